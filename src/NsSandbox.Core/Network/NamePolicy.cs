using System.Net;
using System.Net.Sockets;
using NsSandbox.Linux.Net;

namespace NsSandbox.Core.Network;

/// <summary>What the resolver does with a name: its verdict for the report, and what the allowlist entries it
/// matched grant (exact entries may reach restricted addresses, wildcards may not).</summary>
public sealed record NameDecision(string Verdict, IReadOnlyList<HostPattern> Grants)
{
    public bool Answered => Verdict != NameVerdict.Refused;
}

/// <summary>Where an address a name resolved to may be reached from the sandbox: the address to put in the
/// answer and the filter's set (the host's 127.0.0.1 becomes slirp4netns' 10.0.2.2), and on which ports
/// (null: all).</summary>
public sealed record Admission(IPAddress Address, IReadOnlyList<int>? Ports)
{
    public bool Rewritten(IPAddress original) => !Address.Equals(original);
}

/// <summary>The allowlist of --net_allow_host and the rules for what an allowed name's addresses may be
/// (docs/network.md). A name matched only by a wildcard gets only unrestricted addresses: otherwise whoever
/// runs that domain's DNS could point a name of it at the host, a private service or cloud metadata (DNS
/// rebinding). An exact name is the user's word for its addresses, whatever they are.</summary>
public sealed class NamePolicy
{
    private static readonly IPAddress HostLoopback = IPAddress.Loopback;
    private static readonly IPAddress SlirpHostLoopback = IPAddress.Parse(Slirp.Gateway);

    private readonly IReadOnlyList<HostPattern> _hosts;
    private readonly bool _only;
    private readonly IReadOnlyList<Cidr> _denied;
    private readonly IReadOnlyList<Cidr> _allowed;
    private readonly HashSet<IPAddress> _host;

    /// <param name="hosts">--net_allow_host</param>
    /// <param name="only">--net_only: names off the list are refused</param>
    /// <param name="denied">the deny list in force (defaults and --net_deny)</param>
    /// <param name="allowed">--net_allow: ranges exempt from it</param>
    /// <param name="hostAddresses">the launcher's own addresses</param>
    public NamePolicy(IReadOnlyList<HostPattern> hosts, bool only, IReadOnlyList<Cidr> denied, IReadOnlyList<Cidr> allowed,
        IEnumerable<IPAddress> hostAddresses)
    {
        _hosts = hosts;
        _only = only;
        _denied = denied;
        _allowed = allowed;
        _host = hostAddresses.ToHashSet();
    }

    /// <summary>Whether any exact name is allowed: only then may an answer lead to the host's loopback, so only then
    /// does slirp4netns keep its way there open.</summary>
    public bool ReachesHostLoopback => _hosts.Any(h => !h.Wildcard);

    public NameDecision Decide(string name)
    {
        var grants = _hosts.Where(h => h.Matches(name)).ToList();
        string verdict = grants.Count > 0 ? NameVerdict.Allowed : _only ? NameVerdict.Refused : NameVerdict.Forwarded;
        return new NameDecision(verdict, grants);
    }

    /// <summary>Where <paramref name="address"/>, an answer for a name with <paramref name="decision"/>, may be
    /// reached; null when the name's grants do not reach it (it then stays under the deny list, or --net_only).</summary>
    public Admission? Admit(IPAddress address, NameDecision decision)
    {
        if (decision.Grants.Count == 0) return null;
        bool restricted = IsRestricted(address);
        var grants = restricted ? decision.Grants.Where(g => !g.Wildcard).ToList() : decision.Grants;
        if (grants.Count == 0) return null;
        IReadOnlyList<int>? ports = grants.Any(g => g.Port is null) ? null : grants.Select(g => g.Port!.Value).Distinct().Order().ToList();
        if (address.Equals(HostLoopback)) return new Admission(SlirpHostLoopback, ports);
        // The sandbox's own loopback: another 127.x or ::1 would never leave it, so there is nothing to let through.
        if (IPAddress.IsLoopback(address)) return null;
        return new Admission(address, ports);
    }

    /// <summary>An address of the host, or one the deny list refuses that --net_allow does not exempt.</summary>
    public bool IsRestricted(IPAddress address)
    {
        if (_host.Contains(address) || IPAddress.IsLoopback(address)) return true;
        if (address.AddressFamily == AddressFamily.InterNetworkV6 && address.IsIPv4MappedToIPv6) return IsRestricted(address.MapToIPv4());
        return _denied.Any(d => d.Contains(address)) && !_allowed.Any(a => a.Contains(address));
    }
}
