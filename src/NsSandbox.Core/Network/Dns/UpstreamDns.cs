using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace NsSandbox.Core.Network.Dns;

/// <summary>The host's nameservers (the launcher's /etc/resolv.conf), asked from the launcher's own network
/// namespace: one UDP socket per address family, which the resolver's loop watches. An answer counts only from
/// the server asked, with the id it was asked under (a fresh random one per query) and the same question; the
/// resolver checks the last two. DNS over TCP, for an answer cut short that the sandbox asked for over TCP, is a
/// blocking exchange for a worker thread.</summary>
public sealed class UpstreamDns : IDisposable
{
    /// <summary>How long a server has to answer over UDP before the next is asked.</summary>
    public static readonly TimeSpan Attempt = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan TcpTimeout = TimeSpan.FromSeconds(5);

    private readonly Dictionary<AddressFamily, Socket> _sockets = new();
    private readonly byte[] _buffer = new byte[DnsMessage.MaxUdp];

    public IReadOnlyList<IPEndPoint> Servers { get; }

    public UpstreamDns(IReadOnlyList<IPEndPoint> servers)
    {
        Servers = servers;
        try
        {
            foreach (var family in servers.Select(s => s.AddressFamily).Distinct())
            {
                var socket = new Socket(family, SocketType.Dgram, ProtocolType.Udp);
                _sockets[family] = socket;
                socket.Bind(new IPEndPoint(family == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0));
                socket.Blocking = false;
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public IEnumerable<Socket> Sockets => _sockets.Values;

    /// <summary>Sends <paramref name="query"/> to server number <paramref name="server"/>; false when it cannot be.</summary>
    public bool Send(byte[] query, int server)
    {
        var to = Servers[server];
        if (!_sockets.TryGetValue(to.AddressFamily, out var socket)) return false;
        try
        {
            socket.SendTo(query, SocketFlags.None, to);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>The next datagram on <paramref name="socket"/> and where it came from; null when there is none.</summary>
    public byte[]? Receive(Socket socket, out EndPoint from)
    {
        from = new IPEndPoint(socket.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0);
        try
        {
            int n = socket.ReceiveFrom(_buffer, SocketFlags.None, ref from);
            return _buffer.AsSpan(0, n).ToArray();
        }
        catch (SocketException)
        {
            return null;
        }
    }

    /// <summary>Whether <paramref name="from"/> is server number <paramref name="server"/>'s address and port.</summary>
    public bool IsFrom(EndPoint from, int server)
    {
        var s = Servers[server];
        return from is IPEndPoint f && f.Port == s.Port
            && (f.Address.Equals(s.Address) || (f.Address.IsIPv4MappedToIPv6 && f.Address.MapToIPv4().Equals(s.Address)));
    }

    /// <summary>Asks <paramref name="server"/> over TCP (RFC 7766: each message after its length in two bytes) and
    /// waits for the answer, a few seconds at most; null when it does not come.</summary>
    public byte[]? AskOverTcp(byte[] query, int server)
    {
        int timeoutMs = (int)TcpTimeout.TotalMilliseconds;
        try
        {
            using var socket = new Socket(Servers[server].AddressFamily, SocketType.Stream, ProtocolType.Tcp)
            {
                SendTimeout = timeoutMs,
                ReceiveTimeout = timeoutMs,
            };
            if (!Connect(socket, Servers[server])) return null;
            var framed = new byte[query.Length + 2];
            BinaryPrimitives.WriteUInt16BigEndian(framed, (ushort)query.Length);
            query.CopyTo(framed, 2);
            socket.Send(framed);
            var length = new byte[2];
            if (!Fill(socket, length)) return null;
            var answer = new byte[BinaryPrimitives.ReadUInt16BigEndian(length)];
            return Fill(socket, answer) ? answer : null;
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            return null;
        }
    }

    /// <summary>connect(2) within the timeout: without blocking, then a wait until the socket can be written.</summary>
    private static bool Connect(Socket socket, IPEndPoint server)
    {
        socket.Blocking = false;
        try
        {
            socket.Connect(server);
        }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.WouldBlock or SocketError.InProgress)
        {
            if (!socket.Poll(TcpTimeout, SelectMode.SelectWrite)
                || socket.GetSocketOption(SocketOptionLevel.Socket, SocketOptionName.Error) is not 0) return false;
        }
        socket.Blocking = true;
        return true;
    }

    private static bool Fill(Socket socket, byte[] buffer)
    {
        for (int read = 0, n; read < buffer.Length; read += n)
            if ((n = socket.Receive(buffer, read, buffer.Length - read, SocketFlags.None)) == 0) return false;
        return true;
    }

    public void Dispose()
    {
        foreach (var socket in _sockets.Values) socket.Dispose();
    }
}
