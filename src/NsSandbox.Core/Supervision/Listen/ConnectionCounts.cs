using System.Net;

namespace NsSandbox.Core.Supervision.Listen;

/// <summary>How many connections are served, in all and from each client address, against --max_conns and
/// --max_conns_per_ip (0: no limit), as nsjail counts them: by the client's address, whatever its port.</summary>
public sealed class ConnectionCounts(uint maxConns, uint maxConnsPerIp)
{
    private readonly Dictionary<IPAddress, uint> _perAddress = new();

    public int Total { get; private set; }

    /// <summary>Why a new connection from <paramref name="client"/> is refused ("max_conns=10"), or null when it
    /// may be served.</summary>
    public string? RefusalFor(IPAddress client)
    {
        if (maxConns > 0 && Total >= maxConns) return $"max_conns={maxConns}";
        if (maxConnsPerIp > 0 && _perAddress.GetValueOrDefault(client) >= maxConnsPerIp) return $"max_conns_per_ip={maxConnsPerIp}";
        return null;
    }

    public void Add(IPAddress client)
    {
        Total++;
        _perAddress[client] = _perAddress.GetValueOrDefault(client) + 1;
    }

    public void Remove(IPAddress client)
    {
        Total--;
        uint left = _perAddress[client] - 1;
        if (left == 0) _perAddress.Remove(client);
        else _perAddress[client] = left;
    }

    /// <summary>Connections served now from <paramref name="client"/>.</summary>
    public uint From(IPAddress client) => _perAddress.GetValueOrDefault(client);
}
