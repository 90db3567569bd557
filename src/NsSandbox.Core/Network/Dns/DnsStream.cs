using System.Buffers.Binary;
using System.Net.Sockets;

namespace NsSandbox.Core.Network.Dns;

/// <summary>DNS over TCP (RFC 1035 4.2.2, RFC 7766): each message after its length in two bytes.</summary>
public static class DnsStream
{
    public static async Task Write(Socket socket, byte[] message, CancellationToken cancel)
    {
        var framed = new byte[message.Length + 2];
        BinaryPrimitives.WriteUInt16BigEndian(framed, (ushort)message.Length);
        message.CopyTo(framed, 2);
        int sent = 0;
        while (sent < framed.Length) sent += await socket.SendAsync(framed.AsMemory(sent), SocketFlags.None, cancel);
    }

    /// <summary>The next message; null at a clean end of the stream before it.</summary>
    public static async Task<byte[]?> Read(Socket socket, CancellationToken cancel)
    {
        var length = new byte[2];
        if (!await Fill(socket, length, cancel, endOk: true)) return null;
        var message = new byte[BinaryPrimitives.ReadUInt16BigEndian(length)];
        await Fill(socket, message, cancel, endOk: false);
        return message;
    }

    private static async Task<bool> Fill(Socket socket, byte[] buffer, CancellationToken cancel, bool endOk)
    {
        int read = 0;
        while (read < buffer.Length)
        {
            int n = await socket.ReceiveAsync(buffer.AsMemory(read), SocketFlags.None, cancel);
            if (n == 0)
            {
                if (read == 0 && endOk) return false;
                throw new EndOfStreamException();
            }
            read += n;
        }
        return true;
    }
}
