using System.Buffers.Binary;

namespace NsSandbox.Linux.Net;

/// <summary>Adds elements with a timeout to the sets of one nf_tables table, and reads a named counter, through a
/// netlink socket opened in the table's network namespace: a few microseconds an element, where running nft
/// would cost a process each. An element already there is given the later of its two expiries: kernels before
/// 6.10 ignore a new timeout for an existing element, so a longer one replaces it (delete and add, in one
/// transaction). Not thread-safe: the caller serializes.</summary>
public sealed class NftSetWriter(NetfilterSocket socket, string table) : IDisposable
{
    private const ushort Subsystem = 10 << 8; // NFNL_SUBSYS_NFTABLES
    private const ushort NewSetElement = Subsystem | 12, DeleteSetElement = Subsystem | 14, GetObject = Subsystem | 19;
    private const ushort BatchBegin = 16, BatchEnd = 17;
    private const byte Inet = 1; // NFPROTO_INET
    private const ushort ListTable = 1, ListSet = 2, ListElements = 3, ListElement = 1, ElementKey = 1, ElementTimeout = 4, DataValue = 1;
    private const ushort ObjectTable = 1, ObjectName = 2, ObjectType = 3, ObjectData = 4, CounterPackets = 2;
    private const uint CounterObject = 1;

    private const int PruneAbove = 4096, MaxTracked = 4 * 65536;

    private readonly NetlinkWriter _writer = new();
    private readonly Dictionary<(string Set, string Key), long> _expiries = new();
    private long _nextPrune;

    /// <summary>How many elements this writer knows of (for the caller's bound on memory).</summary>
    public int Count => _expiries.Count;

    /// <summary>Makes <paramref name="key"/> a member of <paramref name="set"/> for at least <paramref name="timeout"/>
    /// from now. Returns 0 or the errno nf_tables answered.</summary>
    public int Add(string set, ReadOnlySpan<byte> key, TimeSpan timeout)
    {
        long now = Environment.TickCount64;
        long expiry = now + (long)timeout.TotalMilliseconds;
        var id = (set, Convert.ToHexString(key));
        bool known = _expiries.TryGetValue(id, out long current) && current > now;
        if (known && current >= expiry) return 0;
        int result = Send(set, key, timeout, replace: known);
        if (result == Errno.NoEntry && known) result = Send(set, key, timeout, replace: false); // it expired meanwhile
        if (result == 0)
        {
            if (_expiries.Count >= PruneAbove && now >= _nextPrune)
            {
                Prune(now);
                _nextPrune = now + 1000; // a scan of every element at most once a second
            }
            // Bounded as the kernel's sets are (their size): past that, the element is in the set but its expiry is
            // forgotten, so a later answer for it adds it again instead of extending it.
            if (_expiries.Count < MaxTracked || known) _expiries[id] = expiry;
        }
        return result;
    }

    private int Send(string set, ReadOnlySpan<byte> key, TimeSpan timeout, bool replace)
    {
        _writer.Clear();
        _writer.Begin(BatchBegin, NetlinkWriter.Request, socket.NextSequence(), 0, Subsystem >> 8);
        _writer.End();
        Span<uint> acked = stackalloc uint[2];
        int count = 0;
        if (replace)
        {
            acked[count++] = Element(DeleteSetElement, NetlinkWriter.Request | NetlinkWriter.Ack, set, key, null);
        }
        acked[count++] = Element(NewSetElement, NetlinkWriter.Request | NetlinkWriter.Create | NetlinkWriter.Ack, set, key, timeout);
        _writer.Begin(BatchEnd, NetlinkWriter.Request, socket.NextSequence(), 0, Subsystem >> 8);
        _writer.End();
        return socket.Exchange(_writer, acked[..count]);
    }

    private uint Element(ushort type, ushort flags, string set, ReadOnlySpan<byte> key, TimeSpan? timeout)
    {
        uint sequence = socket.NextSequence();
        _writer.Begin(type, flags, sequence, Inet);
        _writer.Attribute(ListTable, table);
        _writer.Attribute(ListSet, set);
        int elements = _writer.BeginNested(ListElements);
        int element = _writer.BeginNested(ListElement);
        int keyAttribute = _writer.BeginNested(ElementKey);
        _writer.Attribute(DataValue, key);
        _writer.EndNested(keyAttribute);
        if (timeout is { } t) _writer.AttributeBigEndian(ElementTimeout, (ulong)Math.Max(1, (long)t.TotalMilliseconds));
        _writer.EndNested(element);
        _writer.EndNested(elements);
        _writer.End();
        return sequence;
    }

    private void Prune(long now)
    {
        foreach (var gone in _expiries.Where(e => e.Value <= now).Select(e => e.Key).ToList()) _expiries.Remove(gone);
    }

    /// <summary>The packets a named counter of the table has counted, or null when it cannot be read.</summary>
    public ulong? ReadCounter(string name)
    {
        _writer.Clear();
        uint sequence = socket.NextSequence();
        _writer.Begin(GetObject, NetlinkWriter.Request | NetlinkWriter.Ack, sequence, Inet);
        _writer.Attribute(ObjectTable, table);
        _writer.Attribute(ObjectName, name);
        _writer.AttributeBigEndian(ObjectType, CounterObject);
        _writer.End();
        ulong? packets = null;
        int result = socket.Exchange(_writer, [sequence], message =>
        {
            if (NetlinkReader.Find(message.NetfilterAttributes, ObjectData, out var data)
                && NetlinkReader.Find(data, CounterPackets, out var value) && value.Length == 8)
                packets = BinaryPrimitives.ReadUInt64BigEndian(value);
        });
        return result == 0 ? packets : null;
    }

    public void Dispose() => socket.Dispose();
}
