using System.Buffers.Binary;

namespace NsSandbox.Linux.Net;

/// <summary>One netlink message of a received datagram: its header fields and what follows the header.</summary>
public readonly ref struct NetlinkMessage(ushort type, ushort flags, uint sequence, ReadOnlySpan<byte> payload)
{
    public const ushort Error = 2, Done = 3;

    public ushort Type { get; } = type;
    public ushort Flags { get; } = flags;
    public uint Sequence { get; } = sequence;
    public ReadOnlySpan<byte> Payload { get; } = payload;

    /// <summary>For an NLMSG_ERROR message: the errno it reports (0 for an acknowledgement).</summary>
    public int ErrorNumber => Payload.Length >= 4 ? -BinaryPrimitives.ReadInt32LittleEndian(Payload) : Errno.InvalidArgument;

    /// <summary>A netfilter message's attributes, after its 4-byte nfgenmsg.</summary>
    public ReadOnlySpan<byte> NetfilterAttributes => Payload.Length >= 4 ? Payload[4..] : default;

    /// <summary>A netfilter message's family (nfgenmsg.nfgen_family).</summary>
    public byte NetfilterFamily => Payload.Length >= 1 ? Payload[0] : (byte)0;
}

/// <summary>Walks netlink datagrams and attribute lists, checking every length against what was received: the
/// kernel wrote them, but a bad length must end the walk, never read past the buffer.</summary>
public static class NetlinkReader
{
    private const ushort TypeMask = 0x3fff; // without NLA_F_NESTED and NLA_F_NET_BYTEORDER

    /// <summary>Takes the next message off <paramref name="data"/>; false when none is left (or the rest is garbled).</summary>
    public static bool NextMessage(scoped ref ReadOnlySpan<byte> data, out NetlinkMessage message)
    {
        message = default;
        if (data.Length < 16) return false;
        int length = (int)BinaryPrimitives.ReadUInt32LittleEndian(data);
        if (length < 16 || length > data.Length) return false;
        message = new NetlinkMessage(BinaryPrimitives.ReadUInt16LittleEndian(data[4..]), BinaryPrimitives.ReadUInt16LittleEndian(data[6..]),
            BinaryPrimitives.ReadUInt32LittleEndian(data[8..]), data[16..length]);
        data = data[Math.Min(data.Length, NetlinkWriter.Align(length))..];
        return true;
    }

    /// <summary>Takes the next attribute off <paramref name="data"/>.</summary>
    public static bool NextAttribute(scoped ref ReadOnlySpan<byte> data, out ushort type, out ReadOnlySpan<byte> value)
    {
        type = 0;
        value = default;
        if (data.Length < 4) return false;
        int length = BinaryPrimitives.ReadUInt16LittleEndian(data);
        if (length < 4 || length > data.Length) return false;
        type = (ushort)(BinaryPrimitives.ReadUInt16LittleEndian(data[2..]) & TypeMask);
        value = data[4..length];
        data = data[Math.Min(data.Length, NetlinkWriter.Align(length))..];
        return true;
    }

    /// <summary>The value of the first attribute of <paramref name="type"/> in <paramref name="attributes"/>.</summary>
    public static bool Find(ReadOnlySpan<byte> attributes, ushort type, out ReadOnlySpan<byte> value)
    {
        while (NextAttribute(ref attributes, out ushort t, out value))
            if (t == type) return true;
        value = default;
        return false;
    }
}
