using System.Buffers.Binary;
using System.Net;
using System.Text;

namespace NsSandbox.Core.Network.Dns;

/// <summary>The question of a query the sandbox sent: its id, the name (as <see cref="DnsMessage.ReadName"/>
/// spells it), type and class, and where the question ends in the message.</summary>
public sealed record DnsQuestion(ushort Id, string Name, ushort Type, ushort Class, int End);

/// <summary>What a query is to the resolver: one it answers, one it answers with an error code, or noise to drop.</summary>
public enum QueryKind
{
    /// <summary>A standard query with one question.</summary>
    Query,
    /// <summary>Not a query at all (a response, shorter than a header): dropped without an answer.</summary>
    Ignore,
    /// <summary>Garbled: answered FORMERR.</summary>
    FormatError,
    /// <summary>Another opcode (NOTIFY, UPDATE): answered NOTIMP.</summary>
    NotImplemented,
}

/// <summary>An address record of an answer: the address, its TTL (the lowest along the CNAME chain that led to
/// it) and where its 4 or 16 bytes sit in the message.</summary>
public sealed record DnsAddress(IPAddress Address, uint Ttl, int Offset);

/// <summary>An upstream answer to one of our questions: its response code, whether it was cut short (TC), and
/// the addresses the question's name resolves to through the answer section.</summary>
public sealed record DnsResponse(int ResponseCode, bool Truncated, IReadOnlyList<DnsAddress> Addresses);

/// <summary>DNS messages as RFC 1035 lays them out, read with every length checked: the sandbox writes the queries
/// and anyone on the path could write an answer, so a malformed message is refused, never trusted.</summary>
public static class DnsMessage
{
    public const ushort TypeA = 1, TypeCname = 5, TypeAaaa = 28, ClassIn = 1;
    public const int NoError = 0, FormatError = 1, ServerFailure = 2, NameError = 3, NotImplemented = 4, Refused = 5;
    public const int HeaderLength = 12, MaxUdp = 65535;
    private const int MaxNameBytes = 255, MaxPointers = 32, MaxRecords = 256;

    /// <summary>Reads a query's header and its one question (no compression is allowed in it).</summary>
    public static QueryKind ParseQuery(ReadOnlySpan<byte> m, out DnsQuestion? question)
    {
        question = null;
        if (m.Length < HeaderLength || (m[2] & 0x80) != 0) return QueryKind.Ignore;
        if (((m[2] >> 3) & 0xf) != 0) return QueryKind.NotImplemented;
        if (BinaryPrimitives.ReadUInt16BigEndian(m[4..]) != 1) return QueryKind.FormatError;
        int offset = HeaderLength;
        if (!ReadName(m, ref offset, out string name, allowPointers: false) || offset + 4 > m.Length) return QueryKind.FormatError;
        question = new DnsQuestion(BinaryPrimitives.ReadUInt16BigEndian(m), name,
            BinaryPrimitives.ReadUInt16BigEndian(m[offset..]), BinaryPrimitives.ReadUInt16BigEndian(m[(offset + 2)..]), offset + 4);
        return QueryKind.Query;
    }

    /// <summary>An answer with no records and <paramref name="responseCode"/>, echoing the query's id, flags and
    /// question (or only its header when the question could not be read).</summary>
    public static byte[] ErrorAnswer(ReadOnlySpan<byte> query, DnsQuestion? question, int responseCode)
    {
        int length = question?.End ?? HeaderLength;
        var answer = query[..length].ToArray();
        answer[2] = (byte)(0x80 | (answer[2] & 0x79)); // QR; the opcode and RD as asked; AA and TC clear
        answer[3] = (byte)(0x80 | responseCode);       // RA
        answer[4] = 0;
        answer[5] = (byte)(question is null ? 0 : 1);
        answer.AsSpan(6, 6).Clear();
        return answer;
    }

    /// <summary>Reads an upstream answer to <paramref name="question"/>: null unless it is a response whose
    /// question is the same (a stray or forged packet); else its code and the addresses of the name.</summary>
    public static DnsResponse? ParseResponse(ReadOnlySpan<byte> m, DnsQuestion question)
    {
        if (m.Length < HeaderLength || (m[2] & 0x80) == 0 || BinaryPrimitives.ReadUInt16BigEndian(m[4..]) != 1) return null;
        int offset = HeaderLength;
        if (!ReadName(m, ref offset, out string name, allowPointers: true) || offset + 4 > m.Length || name != question.Name
            || BinaryPrimitives.ReadUInt16BigEndian(m[offset..]) != question.Type
            || BinaryPrimitives.ReadUInt16BigEndian(m[(offset + 2)..]) != question.Class)
            return null;
        offset += 4;
        int responseCode = m[3] & 0xf;
        bool truncated = (m[2] & 0x02) != 0;
        int count = Math.Min((int)BinaryPrimitives.ReadUInt16BigEndian(m[6..]), MaxRecords);
        var records = new List<(string Owner, ushort Type, uint Ttl, int Data, int Length, string? Target)>();
        for (int i = 0; i < count; i++)
        {
            if (!ReadName(m, ref offset, out string owner, allowPointers: true) || offset + 10 > m.Length) break;
            ushort type = BinaryPrimitives.ReadUInt16BigEndian(m[offset..]);
            ushort cls = BinaryPrimitives.ReadUInt16BigEndian(m[(offset + 2)..]);
            uint ttl = Math.Min(BinaryPrimitives.ReadUInt32BigEndian(m[(offset + 4)..]), int.MaxValue); // RFC 2181: the top bit means 0
            int length = BinaryPrimitives.ReadUInt16BigEndian(m[(offset + 8)..]);
            int data = offset + 10;
            if (data + length > m.Length) break;
            offset = data + length;
            if (cls != question.Class) continue;
            string? target = null;
            if (type == TypeCname)
            {
                int at = data;
                if (!ReadName(m, ref at, out string t, allowPointers: true) || at != data + length) continue;
                target = t;
            }
            records.Add((owner, type, ttl, data, length, target));
        }

        // The question's name and every name a CNAME of the chain leads to, each with the lowest TTL on its way.
        var chain = new Dictionary<string, uint> { [question.Name] = uint.MaxValue };
        for (bool grew = true; grew;)
        {
            grew = false;
            foreach (var r in records)
                if (r.Target is { } target && chain.TryGetValue(r.Owner, out uint ttl) && !chain.ContainsKey(target))
                {
                    chain[target] = Math.Min(ttl, r.Ttl);
                    grew = true;
                }
        }
        var addresses = new List<DnsAddress>();
        foreach (var r in records)
        {
            if (!chain.TryGetValue(r.Owner, out uint ttl)) continue;
            if ((r.Type == TypeA && r.Length == 4) || (r.Type == TypeAaaa && r.Length == 16))
                addresses.Add(new DnsAddress(new IPAddress(m.Slice(r.Data, r.Length)), Math.Min(ttl, r.Ttl), r.Data));
        }
        return new DnsResponse(responseCode, truncated, addresses);
    }

    /// <summary>Reads a name at <paramref name="offset"/> (which moves past it), following compression pointers
    /// when allowed. The text is in lower case without the final dot ("." for the root); a byte other than a
    /// letter, digit, '-' or '_' is written \DDD (RFC 4343), so such a name never matches an allowed one.</summary>
    public static bool ReadName(ReadOnlySpan<byte> m, ref int offset, out string name, bool allowPointers)
    {
        name = "";
        var text = new StringBuilder();
        int at = offset, end = -1, pointers = 0, wire = 0;
        while (true)
        {
            if (at >= m.Length) return false;
            int length = m[at];
            if ((length & 0xc0) == 0xc0)
            {
                if (!allowPointers || at + 1 >= m.Length || ++pointers > MaxPointers) return false;
                if (end < 0) end = at + 2;
                at = ((length & 0x3f) << 8) | m[at + 1];
                continue;
            }
            if ((length & 0xc0) != 0) return false;
            at++;
            if (length == 0) break;
            wire += length + 1;
            if (wire > MaxNameBytes || at + length > m.Length) return false;
            if (text.Length > 0) text.Append('.');
            foreach (byte b in m.Slice(at, length))
            {
                char c = (char)b;
                if (char.IsAsciiLetterOrDigit(c) || c is '-' or '_') text.Append(char.ToLowerInvariant(c));
                else text.Append('\\').Append(b.ToString("000", System.Globalization.CultureInfo.InvariantCulture));
            }
            at += length;
        }
        offset = end >= 0 ? end : at;
        name = text.Length == 0 ? "." : text.ToString();
        return true;
    }

    public static ushort Id(ReadOnlySpan<byte> m) => BinaryPrimitives.ReadUInt16BigEndian(m);

    public static void SetId(Span<byte> m, ushort id) => BinaryPrimitives.WriteUInt16BigEndian(m, id);
}
