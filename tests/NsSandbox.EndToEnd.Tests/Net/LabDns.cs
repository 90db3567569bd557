using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net;
using System.Text;

namespace NsSandbox.EndToEnd.Tests.Net;

/// <summary>The lab's DNS zone (RFC 1035 messages, UDP): names a test sets answer with their addresses and TTL,
/// in turn (the Nth A query of a name gets the Nth answer, the last one repeating), or as a CNAME to another
/// name; every other A query gets 192.0.2.1 with TTL 60, and AAAA queries get no records. A name set "only over
/// TCP" gets an empty answer with TC set over UDP, as a large answer would. It remembers every name asked, so a
/// test can tell that a name never reached it.</summary>
public sealed class LabDns
{
    private sealed record Entry(uint Ttl, string[][] Answers, string? Alias);

    private readonly ConcurrentDictionary<string, Entry> _zone = new();
    private readonly ConcurrentDictionary<string, int> _aQueries = new();
    private readonly ConcurrentQueue<string> _asked = new();
    private readonly ConcurrentDictionary<string, bool> _tcpOnly = new();

    public void Set(string name, uint ttl, params string[] addresses) => _zone[name] = new Entry(ttl, [addresses], null);

    /// <summary>The first A query of <paramref name="name"/> gets the first list, the next the second, and so on.</summary>
    public void SetInTurn(string name, uint ttl, params string[][] answers) => _zone[name] = new Entry(ttl, answers, null);

    public void Alias(string name, string target, uint ttl = 60) => _zone[name] = new Entry(ttl, [], target);

    public void OnlyOverTcp(string name) => _tcpOnly[name] = true;

    public IReadOnlyCollection<string> Asked => _asked.ToArray();

    public byte[]? Answer(ReadOnlySpan<byte> query, bool overTcp = false)
    {
        if (query.Length < 12) return null;
        int end = 12;
        var labels = new List<string>();
        while (end < query.Length && query[end] != 0)
        {
            int length = query[end];
            if (end + 1 + length > query.Length) return null;
            labels.Add(Encoding.ASCII.GetString(query.Slice(end + 1, length)).ToLowerInvariant());
            end += length + 1;
        }
        end += 5; // the root label, QTYPE and QCLASS
        if (end > query.Length) return null;
        string name = string.Join('.', labels);
        _asked.Enqueue(name);
        bool isA = query[end - 4] == 0 && query[end - 3] == 1;
        var reply = new List<byte>(query[..end].ToArray());
        reply[2] = 0x81; reply[3] = 0x80; // a response, recursion desired and available, no error
        reply[6] = reply[7] = reply[8] = reply[9] = reply[10] = reply[11] = 0;
        int count = 0;
        if (!overTcp && _tcpOnly.ContainsKey(name))
        {
            reply[2] |= 0x02; // TC: ask again over TCP
        }
        else if (isA)
        {
            int turn = _aQueries.AddOrUpdate(name, 1, (_, n) => n + 1);
            var entry = _zone.GetValueOrDefault(name) ?? new Entry(60, [[NetworkLab.Outside]], null);
            byte[] owner = [0xc0, 0x0c];
            if (entry.Alias is { } target)
            {
                byte[] encoded = Encode(target);
                Record(reply, owner, 5, entry.Ttl, encoded);
                count++;
                owner = encoded;
                entry = _zone.GetValueOrDefault(target) ?? new Entry(60, [[NetworkLab.Outside]], null);
            }
            foreach (string a in entry.Answers[Math.Min(turn, entry.Answers.Length) - 1])
            {
                Record(reply, owner, 1, entry.Ttl, IPAddress.Parse(a).GetAddressBytes());
                count++;
            }
        }
        reply[7] = (byte)count;
        return reply.ToArray();
    }

    private static void Record(List<byte> reply, byte[] owner, ushort type, uint ttl, byte[] data)
    {
        var fixedPart = new byte[10];
        BinaryPrimitives.WriteUInt16BigEndian(fixedPart, type);
        BinaryPrimitives.WriteUInt16BigEndian(fixedPart.AsSpan(2), 1);
        BinaryPrimitives.WriteUInt32BigEndian(fixedPart.AsSpan(4), ttl);
        BinaryPrimitives.WriteUInt16BigEndian(fixedPart.AsSpan(8), (ushort)data.Length);
        reply.AddRange(owner);
        reply.AddRange(fixedPart);
        reply.AddRange(data);
    }

    private static byte[] Encode(string name)
    {
        var bytes = new List<byte>();
        foreach (string label in name.Split('.'))
        {
            bytes.Add((byte)label.Length);
            bytes.AddRange(Encoding.ASCII.GetBytes(label));
        }
        bytes.Add(0);
        return bytes.ToArray();
    }
}
