using System.Net;
using System.Text;
using NsSandbox.Linux.Net;

namespace NsSandbox.Core.Network;

/// <summary>The nftables ruleset installed in the sandbox's network namespace in egress mode (docs/network.md). Traffic on
/// lo stays inside the sandbox; DNS goes to slirp4netns' forwarder (which asks the host's resolver); the host's
/// own addresses are always refused; then allowed ranges pass and denied ranges are refused.</summary>
public static class EgressFilter
{
    public const string Table = "nssandbox";

    /// <summary>Private, loopback, link-local (cloud metadata), CGNAT and their IPv6 counterparts.</summary>
    public static readonly IReadOnlyList<string> DefaultDeny =
    [
        "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "127.0.0.0/8", "169.254.0.0/16", "100.64.0.0/10",
        "0.0.0.0/8", "fc00::/7", "fe80::/10", "::1/128",
    ];

    public static string Ruleset(IReadOnlyList<Cidr> deny, IReadOnlyList<Cidr> allow, IEnumerable<IPAddress> hostAddresses)
    {
        var denied = DefaultDeny.Select(d => Cidr.TryParse(d, out var c) ? c! : throw new InvalidOperationException(d))
            .Concat(deny).Distinct().ToList();
        var host = hostAddresses.Select(Cidr.Host).Distinct().ToList();
        string dns = Slirp.DnsAddress;
        var s = new StringBuilder();
        s.Append($"table inet {Table} {{\n");
        // Every DNS query goes to slirp4netns' forwarder, which asks the host's resolver. That includes one on
        // loopback (the host's resolv.conf naming 127.0.0.53, which the sandbox shares): the query leaves with a
        // 127/8 source (allowed by route_localnet, set with the ruleset) and is given the sandbox's address.
        s.Append("  chain dns {\n    type nat hook output priority -100; policy accept;\n");
        s.Append($"    meta l4proto {{ tcp, udp }} th dport 53 ip daddr != {dns} dnat ip to {dns}\n  }}\n");
        s.Append("  chain dns_source {\n    type nat hook postrouting priority 100; policy accept;\n");
        s.Append($"    oifname \"{Slirp.TapName}\" ip saddr 127.0.0.0/8 snat ip to {Slirp.Address}\n  }}\n");
        s.Append("  chain out {\n    type filter hook output priority 0; policy accept;\n");
        s.Append("    oifname \"lo\" accept\n");
        // Replies on connections that came in through a forward (from slirp4netns' gateway, a denied range).
        // Only a connection the other side opened has a reply direction: nothing the sandbox starts passes here.
        s.Append("    ct direction reply ct state established accept\n");
        s.Append($"    ip daddr {dns} meta l4proto {{ tcp, udp }} th dport 53 accept\n");
        Rules(s, host, "reject");
        Rules(s, allow, "accept");
        Rules(s, denied, "reject");
        s.Append("  }\n}\n");
        return s.ToString();
    }

    private static void Rules(StringBuilder s, IEnumerable<Cidr> ranges, string verdict)
    {
        foreach (bool v6 in new[] { false, true })
        {
            var set = ranges.Where(r => r.IsV6 == v6).Select(r => r.ToString()).ToList();
            if (set.Count > 0) s.Append($"    {(v6 ? "ip6" : "ip")} daddr {{ {string.Join(", ", set)} }} {verdict}\n");
        }
    }
}
