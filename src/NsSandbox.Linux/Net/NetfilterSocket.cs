using System.Runtime.InteropServices;
using NsSandbox.Linux.Interop;

namespace NsSandbox.Linux.Net;

/// <summary>A NETLINK_NETFILTER socket, bound in the network namespace of the thread that opens it (see
/// <see cref="SandboxNetns"/>): requests to nf_tables and nfnetlink_log there, and what they answer.</summary>
public sealed unsafe class NetfilterSocket : IDisposable
{
    private const int AfNetlink = 16, SockRaw = 3, SockCloexec = 0x80000, NetlinkNetfilter = 12;
    private const int MsgDontwait = 0x40;
    private const short PollIn = 0x1;
    private static readonly TimeSpan ReplyTimeout = TimeSpan.FromSeconds(5);

    private int _fd;
    private uint _sequence;
    private readonly byte[] _buffer = new byte[65536];

    private NetfilterSocket(int fd) => _fd = fd;

    public static NetfilterSocket Open()
    {
        int fd = Libc.Socket(AfNetlink, SockRaw | SockCloexec, NetlinkNetfilter);
        KernelException.ThrowIfFailed(fd, "socket", "netlink netfilter");
        uint* address = stackalloc uint[3]; // sockaddr_nl: family and pad, pid (0: the kernel picks), groups
        address[0] = AfNetlink;
        address[1] = 0;
        address[2] = 0;
        if (Libc.Bind(fd, address, 12) != 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            Libc.Close(fd);
            throw new KernelException("bind", "netlink netfilter", errno);
        }
        return new NetfilterSocket(fd);
    }

    /// <summary>A fresh sequence number for a message.</summary>
    public uint NextSequence() => ++_sequence;

    /// <summary>Sends what <paramref name="writer"/> holds and waits for the answers to the messages numbered
    /// <paramref name="acked"/> (sent with <see cref="NetlinkWriter.Ack"/>). Returns 0 when all succeeded, else
    /// the first errno; <paramref name="onMessage"/> sees every other message that comes back (a GET's answer).</summary>
    public int Exchange(NetlinkWriter writer, ReadOnlySpan<uint> acked, NetlinkMessageHandler? onMessage = null)
    {
        fixed (byte* p = writer.Bytes)
        {
            if (Libc.Send(_fd, p, (nuint)writer.Bytes.Length, 0) < 0)
                return Marshal.GetLastPInvokeError();
        }
        var waiting = new HashSet<uint>(acked.ToArray());
        int result = 0;
        long deadline = Environment.TickCount64 + (long)ReplyTimeout.TotalMilliseconds;
        while (waiting.Count > 0)
        {
            int n = ReceiveWithin(deadline);
            if (n < 0) return n == -Errno.NoBufferSpace ? Errno.NoBufferSpace : Errno.WouldBlock;
            ReadOnlySpan<byte> data = _buffer.AsSpan(0, n);
            while (NetlinkReader.NextMessage(ref data, out var message))
            {
                if (message.Type == NetlinkMessage.Error && waiting.Remove(message.Sequence))
                {
                    if (result == 0) result = message.ErrorNumber;
                }
                else if (message.Type != NetlinkMessage.Done)
                {
                    onMessage?.Invoke(message);
                }
            }
        }
        return result;
    }

    /// <summary>Reads whatever is queued without waiting and hands each message to <paramref name="onMessage"/>.
    /// Returns false when the kernel dropped messages for want of room (ENOBUFS) meanwhile.</summary>
    public bool Drain(NetlinkMessageHandler onMessage)
    {
        bool complete = true;
        while (true)
        {
            nint n;
            fixed (byte* p = _buffer) n = Libc.Recv(_fd, p, (nuint)_buffer.Length, MsgDontwait);
            if (n < 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                if (errno == Errno.Interrupted) continue;
                if (errno == Errno.NoBufferSpace)
                {
                    complete = false;
                    continue;
                }
                return complete;
            }
            if (n == 0) return complete;
            ReadOnlySpan<byte> data = _buffer.AsSpan(0, (int)n);
            while (NetlinkReader.NextMessage(ref data, out var message)) onMessage(message);
        }
    }

    /// <summary>The next datagram's length, or -errno (-EAGAIN when the deadline passed).</summary>
    private int ReceiveWithin(long deadline)
    {
        while (true)
        {
            long left = deadline - Environment.TickCount64;
            if (left <= 0) return -Errno.WouldBlock;
            var pfd = new PollFd { Fd = _fd, Events = PollIn };
            int r = Libc.Poll(&pfd, 1, (int)left);
            if (r == 0) continue;
            if (r < 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                if (errno == Errno.Interrupted) continue;
                return -errno;
            }
            nint n;
            fixed (byte* p = _buffer) n = Libc.Recv(_fd, p, (nuint)_buffer.Length, MsgDontwait);
            if (n >= 0) return (int)n;
            int e = Marshal.GetLastPInvokeError();
            if (e is Errno.Interrupted or Errno.WouldBlock) continue;
            return -e;
        }
    }

    public void Dispose()
    {
        if (_fd >= 0) Libc.Close(_fd);
        _fd = -1;
    }
}

/// <summary>Sees one message of an answer (a ref struct cannot be a generic argument).</summary>
public delegate void NetlinkMessageHandler(NetlinkMessage message);
