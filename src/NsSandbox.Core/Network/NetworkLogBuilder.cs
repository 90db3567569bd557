using System.Net;
using NsSandbox.Linux.Net;

namespace NsSandbox.Core.Network;

/// <summary>Collects a run's <see cref="NetworkLog"/> while the resolver answers (from several tasks at once), in
/// bounded memory: a sandbox that asks for a million names gets the first <see cref="MaxNames"/> in its report
/// and a count of the rest.</summary>
public sealed class NetworkLogBuilder
{
    public const int MaxNames = 256, MaxAddressesPerName = 8, MaxRefusedShown = 10;
    private const int MaxAddressNames = 4096;

    private readonly Lock _lock = new();
    private readonly List<Entry> _names = [];
    private readonly Dictionary<string, Entry> _byName = new();
    private readonly Dictionary<IPAddress, string> _nameOf = new();
    private int _omitted;

    private sealed class Entry(string name, string verdict)
    {
        public string Name { get; } = name;
        public string Verdict { get; } = verdict;
        public int Queries { get; set; }
        public List<string> Addresses { get; } = [];
    }

    /// <summary>Counts a query for <paramref name="name"/>; true the first time the name is seen.</summary>
    public bool Asked(string name, string verdict)
    {
        lock (_lock)
        {
            if (_byName.TryGetValue(name, out var entry))
            {
                entry.Queries++;
                return false;
            }
            if (_names.Count >= MaxNames)
            {
                _omitted++;
                return false;
            }
            entry = new Entry(name, verdict) { Queries = 1 };
            _names.Add(entry);
            _byName[name] = entry;
            return true;
        }
    }

    /// <summary>Notes the addresses an answer for <paramref name="name"/> handed out.</summary>
    public void Answered(string name, IEnumerable<IPAddress> addresses)
    {
        lock (_lock)
        {
            _byName.TryGetValue(name, out var entry);
            foreach (var a in addresses)
            {
                string text = a.ToString();
                if (entry is not null && entry.Addresses.Count < MaxAddressesPerName && !entry.Addresses.Contains(text)) entry.Addresses.Add(text);
                if (_nameOf.Count < MaxAddressNames || _nameOf.ContainsKey(a)) _nameOf[a] = name;
            }
        }
    }

    /// <summary>The log, with the refused packets the filter counted and the first ones it copied.</summary>
    public NetworkLog Build(ulong refused, IReadOnlyList<LoggedPacket> first)
    {
        lock (_lock)
        {
            return new NetworkLog
            {
                Names = _names.Select(e => new NameLookup
                {
                    Name = e.Name,
                    Verdict = e.Verdict,
                    Queries = e.Queries,
                    Addresses = e.Addresses.Count > 0 ? e.Addresses.ToList() : null,
                }).ToList(),
                NamesOmitted = _omitted > 0 ? _omitted : null,
                // The counter is read after the log, so it has at least as many; a failed read leaves the log's count.
                RefusedConnections = Math.Max(refused, (ulong)first.Count),
                FirstRefused = first.Take(MaxRefusedShown).Select(p => new RefusedConnection
                {
                    Address = p.Destination.ToString(),
                    Port = p.Port,
                    Protocol = p.Protocol,
                    Name = _nameOf.GetValueOrDefault(p.Destination),
                }).ToList(),
            };
        }
    }
}
