using System.Buffers.Binary;
using System.Text;

namespace NsSandbox.Linux.Net;

/// <summary>Builds netfilter netlink messages (netlink(7), nfnetlink): a 16-byte nlmsghdr, the 4-byte nfgenmsg
/// (family, version 0, resource id in network order), then attributes, each padded to 4 bytes. Several
/// messages may follow each other in one buffer (an nf_tables batch).</summary>
public sealed class NetlinkWriter
{
    public const ushort Request = 0x1, Ack = 0x4, Excl = 0x200, Create = 0x400;
    private const ushort Nested = 0x8000;

    private byte[] _buffer = new byte[256];
    private int _length;
    private int _message = -1;

    public ReadOnlySpan<byte> Bytes => _buffer.AsSpan(0, _length);

    public void Clear()
    {
        _length = 0;
        _message = -1;
    }

    /// <summary>Starts a message of <paramref name="type"/> (subsystem &lt;&lt; 8 | message).</summary>
    public void Begin(ushort type, ushort flags, uint sequence, byte family, ushort resourceId = 0)
    {
        _message = _length;
        Span<byte> header = Reserve(20);
        BinaryPrimitives.WriteUInt16LittleEndian(header[4..], type);
        BinaryPrimitives.WriteUInt16LittleEndian(header[6..], flags);
        BinaryPrimitives.WriteUInt32LittleEndian(header[8..], sequence);
        header[16] = family;
        BinaryPrimitives.WriteUInt16BigEndian(header[18..], resourceId);
    }

    /// <summary>Ends the message: its length goes into its header.</summary>
    public void End()
    {
        BinaryPrimitives.WriteUInt32LittleEndian(_buffer.AsSpan(_message), (uint)(_length - _message));
        _message = -1;
    }

    public void Attribute(ushort type, ReadOnlySpan<byte> value)
    {
        Span<byte> a = Reserve(Align(4 + value.Length));
        BinaryPrimitives.WriteUInt16LittleEndian(a, (ushort)(4 + value.Length));
        BinaryPrimitives.WriteUInt16LittleEndian(a[2..], type);
        value.CopyTo(a[4..]);
    }

    /// <summary>A NUL-terminated string.</summary>
    public void Attribute(ushort type, string value)
    {
        Span<byte> bytes = stackalloc byte[Encoding.UTF8.GetByteCount(value) + 1];
        Encoding.UTF8.GetBytes(value, bytes);
        bytes[^1] = 0;
        Attribute(type, bytes);
    }

    public void AttributeBigEndian(ushort type, uint value)
    {
        Span<byte> b = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(b, value);
        Attribute(type, b);
    }

    public void AttributeBigEndian(ushort type, ulong value)
    {
        Span<byte> b = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(b, value);
        Attribute(type, b);
    }

    /// <summary>Starts a nested attribute; pass what this returns to <see cref="EndNested"/>.</summary>
    public int BeginNested(ushort type)
    {
        int start = _length;
        Span<byte> a = Reserve(4);
        BinaryPrimitives.WriteUInt16LittleEndian(a[2..], (ushort)(type | Nested));
        return start;
    }

    public void EndNested(int start) =>
        BinaryPrimitives.WriteUInt16LittleEndian(_buffer.AsSpan(start), (ushort)(_length - start));

    private Span<byte> Reserve(int size)
    {
        if (_length + size > _buffer.Length) Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _length + size));
        var span = _buffer.AsSpan(_length, size);
        span.Clear();
        _length += size;
        return span;
    }

    public static int Align(int n) => (n + 3) & ~3;
}
