using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using NsSandbox.Linux.Interop;

namespace NsSandbox.Linux.Net;

/// <summary>A connection <see cref="TcpListenSocket.Accept"/> took: a blocking, close-on-exec descriptor (a
/// sandbox gets it as its stdin, stdout and stderr) and the peer's address (IPv4-mapped addresses as IPv4).</summary>
public sealed class TcpConnection(int fd, IPEndPoint peer) : IDisposable
{
    public int Fd { get; private set; } = fd;
    public IPEndPoint Peer { get; } = peer;

    public void Dispose()
    {
        if (Fd >= 0) Libc.Close(Fd);
        Fd = -1;
    }
}

/// <summary>A bound, listening, non-blocking TCP socket (mode listen). The address "::" listens on both families
/// (IPV6_V6ONLY off), as nsjail's default does, and falls back to 0.0.0.0 on a kernel without IPv6; an IPv4
/// address gets an IPv4 socket.</summary>
public sealed unsafe class TcpListenSocket : IDisposable
{
    private const int AfInet = 2, AfInet6 = 10, SockStream = 1, SockNonblock = 0x800, SockCloexec = 0x80000;
    private const int SolSocket = 1, SoReuseaddr = 2, IpprotoIpv6 = 41, Ipv6V6only = 26;
    private const int AddressFamilyNotSupported = 97, TryAgain = 11;
    /// <summary>The kernel caps the backlog at net.core.somaxconn.</summary>
    private const int Backlog = 4096;

    public int Fd { get; private set; }
    /// <summary>The address and port bound (the port the kernel chose for port 0).</summary>
    public IPEndPoint Local { get; }

    private TcpListenSocket(int fd, IPEndPoint local)
    {
        Fd = fd;
        Local = local;
    }

    /// <summary>Binds and listens; a <see cref="KernelException"/> names the call and the address.</summary>
    public static TcpListenSocket Open(IPAddress address, int port)
    {
        var endpoint = new IPEndPoint(address, port);
        int fd = Libc.Socket(Family(address), SockStream | SockNonblock | SockCloexec, 0);
        if (fd < 0 && Marshal.GetLastPInvokeError() == AddressFamilyNotSupported && address.Equals(IPAddress.IPv6Any))
        {
            endpoint = new IPEndPoint(IPAddress.Any, port);
            fd = Libc.Socket(AfInet, SockStream | SockNonblock | SockCloexec, 0);
        }
        KernelException.ThrowIfFailed(fd, "socket", endpoint.ToString());
        try
        {
            int on = 1, off = 0;
            KernelException.ThrowIfFailed(Libc.Setsockopt(fd, SolSocket, SoReuseaddr, &on, sizeof(int)), "setsockopt(SO_REUSEADDR)", endpoint.ToString());
            if (endpoint.AddressFamily == AddressFamily.InterNetworkV6)
                KernelException.ThrowIfFailed(Libc.Setsockopt(fd, IpprotoIpv6, Ipv6V6only, &off, sizeof(int)), "setsockopt(IPV6_V6ONLY)", endpoint.ToString());
            byte* address6 = stackalloc byte[28];
            uint length = Encode(endpoint, new Span<byte>(address6, 28));
            KernelException.ThrowIfFailed(Libc.Bind(fd, address6, length), "bind", endpoint.ToString());
            KernelException.ThrowIfFailed(Libc.Listen(fd, Backlog), "listen", endpoint.ToString());
            length = 28;
            KernelException.ThrowIfFailed(Libc.Getsockname(fd, address6, &length), "getsockname", endpoint.ToString());
            return new TcpListenSocket(fd, Decode(new ReadOnlySpan<byte>(address6, (int)length)));
        }
        catch
        {
            Libc.Close(fd);
            throw;
        }
    }

    /// <summary>The next pending connection; null when none is pending (EAGAIN). Any other failure is a
    /// <see cref="KernelException"/> with accept's errno (EMFILE, ECONNABORTED, ...), the listener still usable.</summary>
    public TcpConnection? Accept()
    {
        byte* address = stackalloc byte[28];
        while (true)
        {
            uint length = 28;
            int fd = Libc.Accept4(Fd, address, &length, SockCloexec);
            if (fd >= 0) return new TcpConnection(fd, Decode(new ReadOnlySpan<byte>(address, (int)Math.Min(length, 28))));
            int errno = Marshal.GetLastPInvokeError();
            if (errno == Errno.Interrupted) continue;
            if (errno == TryAgain) return null;
            throw new KernelException("accept", null, errno);
        }
    }

    private static int Family(IPAddress address) => address.AddressFamily == AddressFamily.InterNetworkV6 ? AfInet6 : AfInet;

    /// <summary>struct sockaddr_in (16 bytes) or sockaddr_in6 (28); returns the length used.</summary>
    private static uint Encode(IPEndPoint endpoint, Span<byte> buffer)
    {
        buffer.Clear();
        bool v6 = endpoint.AddressFamily == AddressFamily.InterNetworkV6;
        BinaryPrimitives.WriteUInt16LittleEndian(buffer, (ushort)(v6 ? AfInet6 : AfInet));
        BinaryPrimitives.WriteUInt16BigEndian(buffer[2..], (ushort)endpoint.Port);
        endpoint.Address.TryWriteBytes(buffer[(v6 ? 8 : 4)..], out _);
        return v6 ? 28u : 16u;
    }

    /// <summary>An IPv4-mapped IPv6 address (an IPv4 client of a "::" socket) is given as the IPv4 address.</summary>
    private static IPEndPoint Decode(ReadOnlySpan<byte> address)
    {
        int port = BinaryPrimitives.ReadUInt16BigEndian(address[2..]);
        if (BinaryPrimitives.ReadUInt16LittleEndian(address) == AfInet6 && address.Length >= 24)
        {
            var ip = new IPAddress(address.Slice(8, 16));
            return new IPEndPoint(ip.IsIPv4MappedToIPv6 ? ip.MapToIPv4() : ip, port);
        }
        return new IPEndPoint(new IPAddress(address.Slice(4, 4)), port);
    }

    public void Dispose()
    {
        if (Fd >= 0) Libc.Close(Fd);
        Fd = -1;
    }
}
