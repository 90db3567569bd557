using System.Buffers.Binary;
using System.Net;
using System.Text;

namespace NsSandbox.Core.Tests.Network;

/// <summary>Builds DNS messages for the tests, byte by byte as RFC 1035 lays them out.</summary>
public sealed class DnsBytes
{
    private readonly List<byte> _bytes = [];

    public byte[] ToArray() => _bytes.ToArray();

    public int Length => _bytes.Count;

    public static DnsBytes Query(ushort id, string name, ushort type = 1, ushort cls = 1, ushort flags = 0x0100) =>
        new DnsBytes().Header(id, flags, 1, 0).Name(name).U16(type).U16(cls);

    public DnsBytes Header(ushort id, ushort flags, ushort questions, ushort answers) =>
        U16(id).U16(flags).U16(questions).U16(answers).U16(0).U16(0);

    public DnsBytes Name(string name)
    {
        foreach (string label in name.Split('.', StringSplitOptions.RemoveEmptyEntries))
        {
            _bytes.Add((byte)label.Length);
            _bytes.AddRange(Encoding.ASCII.GetBytes(label));
        }
        _bytes.Add(0);
        return this;
    }

    public DnsBytes Pointer(int offset) => U16((ushort)(0xc000 | offset));

    public DnsBytes U16(ushort v)
    {
        _bytes.Add((byte)(v >> 8));
        _bytes.Add((byte)v);
        return this;
    }

    public DnsBytes U32(uint v)
    {
        var b = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(b, v);
        _bytes.AddRange(b);
        return this;
    }

    public DnsBytes Raw(params byte[] b)
    {
        _bytes.AddRange(b);
        return this;
    }

    /// <summary>An A or AAAA record, owned by the name at <paramref name="owner"/> (a pointer).</summary>
    public DnsBytes Address(int owner, string address, uint ttl)
    {
        byte[] a = IPAddress.Parse(address).GetAddressBytes();
        return Pointer(owner).U16((ushort)(a.Length == 4 ? 1 : 28)).U16(1).U32(ttl).U16((ushort)a.Length).Raw(a);
    }

    /// <summary>A CNAME owned by the name at <paramref name="owner"/>; its target written in full.</summary>
    public DnsBytes Cname(int owner, string target, uint ttl)
    {
        var t = new DnsBytes().Name(target).ToArray();
        return Pointer(owner).U16(5).U16(1).U32(ttl).U16((ushort)t.Length).Raw(t);
    }

    /// <summary>A response to <paramref name="name"/>: the question, then records the caller adds (the question's
    /// name sits at offset 12).</summary>
    public static DnsBytes Response(ushort id, string name, ushort answers, ushort type = 1, ushort flags = 0x8180) =>
        new DnsBytes().Header(id, flags, 1, answers).Name(name).U16(type).U16(1);
}
