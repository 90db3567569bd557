using System.Buffers.Binary;
using System.Net.Sockets;

namespace NsSandbox.Core.Network.Dns;

/// <summary>A sandbox's DNS-over-TCP connection to the resolver (RFC 7766), read without blocking as data comes:
/// each message after its length in two bytes, several in a row, answered in any order.</summary>
public sealed class DnsTcpClient(Socket socket, ulong token) : IDisposable
{
    private readonly byte[] _buffer = new byte[2 + ushort.MaxValue];
    private int _filled;

    public Socket Socket { get; } = socket;
    public ulong Token { get; } = token;
    public long IdleSince { get; private set; } = Environment.TickCount64;
    public bool Closed { get; private set; }

    /// <summary>Reads what has arrived; the whole messages it completes, or null once the peer has closed (or the
    /// read failed).</summary>
    public List<byte[]>? Read()
    {
        int n;
        try
        {
            n = Socket.Receive(_buffer, _filled, _buffer.Length - _filled, SocketFlags.None);
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.WouldBlock)
        {
            return [];
        }
        catch (SocketException)
        {
            return null;
        }
        if (n == 0) return null;
        _filled += n;
        IdleSince = Environment.TickCount64;
        var messages = new List<byte[]>();
        int at = 0;
        while (_filled - at >= 2)
        {
            int length = BinaryPrimitives.ReadUInt16BigEndian(_buffer.AsSpan(at));
            if (_filled - at - 2 < length) break;
            messages.Add(_buffer.AsSpan(at + 2, length).ToArray());
            at += 2 + length;
        }
        _buffer.AsSpan(at, _filled - at).CopyTo(_buffer);
        _filled -= at;
        return messages;
    }

    /// <summary>Sends one answer without waiting; false when it cannot go at once (a client that does not read is
    /// dropped rather than let it stall the resolver).</summary>
    public bool Write(byte[] message)
    {
        if (Closed) return false;
        var framed = new byte[message.Length + 2];
        BinaryPrimitives.WriteUInt16BigEndian(framed, (ushort)message.Length);
        message.CopyTo(framed, 2);
        try
        {
            return Socket.Send(framed, SocketFlags.None) == framed.Length;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    public void Dispose()
    {
        Closed = true;
        Socket.Dispose();
    }
}
