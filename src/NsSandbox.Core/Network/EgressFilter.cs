using System.Net;
using System.Text;

namespace NsSandbox.Core.Network;

/// <summary>The nftables ruleset installed in the sandbox's network namespace in egress mode (docs/network.md).
/// Traffic on lo stays inside the sandbox; every DNS query goes to the supervisor's resolver on 127.0.0.1:53;
/// addresses the resolver let through (the sets, filled as names are answered) pass; the host's own addresses
/// are refused; then allowed ranges pass, and denied ranges (or, with --net_only, everything) are refused: logged
/// to an nflog group, counted, and rejected at once.</summary>
public static class EgressFilter
{
    public const string Table = "nssandbox";
    /// <summary>The resolver's sets: addresses on every port, and address-and-port pairs (NAME:PORT).</summary>
    public const string Any4 = "allow4", Port4 = "allow4_port", Any6 = "allow6", Port6 = "allow6_port";
    public const string RefusedCounter = "refused";
    /// <summary>The most addresses (or address and port pairs) each set holds at once.</summary>
    public const int MaxSetElements = 65536;
    /// <summary>The nflog group refusals are copied to, in the sandbox's namespace only.</summary>
    public const ushort LogGroup = 1;

    /// <summary>Private, loopback, link-local (cloud metadata), CGNAT and their IPv6 counterparts.</summary>
    public static readonly IReadOnlyList<string> DefaultDeny =
    [
        "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "127.0.0.0/8", "169.254.0.0/16", "100.64.0.0/10",
        "0.0.0.0/8", "fc00::/7", "fe80::/10", "::1/128",
    ];

    /// <summary>The deny list in force: the defaults and <paramref name="deny"/>.</summary>
    public static IReadOnlyList<Cidr> Denied(IEnumerable<Cidr> deny) =>
        DefaultDeny.Select(d => Cidr.TryParse(d, out var c) ? c! : throw new InvalidOperationException(d)).Concat(deny).Distinct().ToList();

    /// <param name="logRefusals">copy refused packets to <see cref="LogGroup"/> (needs nfnetlink_log in the kernel)</param>
    public static string Ruleset(IReadOnlyList<Cidr> deny, IReadOnlyList<Cidr> allow, IEnumerable<IPAddress> hostAddresses, bool only,
        bool logRefusals = true)
    {
        var denied = Denied(deny);
        var host = hostAddresses.Select(Cidr.Host).Distinct().ToList();
        string resolver = ResolverSockets.Listen.Address.ToString();
        var s = new StringBuilder();
        s.Append($"table inet {Table} {{\n");
        // Bounded, as the resolver's memory is: a name's DNS server could hand out addresses without end.
        s.Append($"  set {Any4} {{ type ipv4_addr; size {MaxSetElements}; flags timeout; }}\n");
        s.Append($"  set {Port4} {{ type ipv4_addr . inet_service; size {MaxSetElements}; flags timeout; }}\n");
        s.Append($"  set {Any6} {{ type ipv6_addr; size {MaxSetElements}; flags timeout; }}\n");
        s.Append($"  set {Port6} {{ type ipv6_addr . inet_service; size {MaxSetElements}; flags timeout; }}\n");
        s.Append($"  counter {RefusedCounter} {{ }}\n");
        // Refused at once, counted, and the first bytes copied to the supervisor's nflog socket (rate-limited: the
        // report shows the first few). TCP gets a reset: an ICMP error arrives while connect() holds the socket, is
        // kept as a soft error, and the SYN is sent again a second later; a reset fails the connect at once.
        s.Append("  chain refuse {\n");
        if (logRefusals) s.Append($"    limit rate 100/second burst 100 packets log group {LogGroup} snaplen 64\n");
        s.Append($"    counter name \"{RefusedCounter}\"\n");
        s.Append("    meta l4proto tcp reject with tcp reset\n");
        s.Append("    reject\n  }\n");
        // Every DNS query, to whatever server the sandbox's resolv.conf names, goes to the supervisor's resolver. Its
        // source becomes 127.0.0.1 too: a reply from 127.0.0.1 to tap0's address would not be un-NATed on its way back.
        s.Append("  chain dns {\n    type nat hook output priority -100; policy accept;\n");
        s.Append($"    meta nfproto ipv4 meta l4proto {{ tcp, udp }} th dport 53 dnat ip to {resolver}:53\n  }}\n");
        s.Append("  chain dns_source {\n    type nat hook postrouting priority 100; policy accept;\n");
        s.Append($"    meta nfproto ipv4 ip daddr {resolver} meta l4proto {{ tcp, udp }} th dport 53 ip saddr != 127.0.0.0/8 snat ip to {resolver}\n  }}\n");
        s.Append("  chain out {\n    type filter hook output priority 0; policy accept;\n");
        s.Append("    oifname \"lo\" accept\n");
        // A query redirected to the resolver: its output interface is still the one routed to before the redirect.
        s.Append($"    ip daddr {resolver} meta l4proto {{ tcp, udp }} th dport 53 accept\n");
        // A connection let through when it started goes on after its address's time in the set is over (a long
        // download), as do replies on connections that came in through a forward.
        s.Append("    ct state established accept\n");
        s.Append($"    ip daddr @{Any4} accept\n");
        s.Append($"    meta l4proto {{ tcp, udp }} ip daddr . th dport @{Port4} accept\n");
        s.Append($"    ip6 daddr @{Any6} accept\n");
        s.Append($"    meta l4proto {{ tcp, udp }} ip6 daddr . th dport @{Port6} accept\n");
        // Link-scope multicast (the kernel's IPv6 neighbour and listener messages on tap0) never leaves the link,
        // whose other end is slirp4netns, which forwards none of it.
        s.Append("    ip daddr 224.0.0.0/24 accept\n    ip6 daddr ff02::/16 accept\n");
        Rules(s, host, "goto refuse");
        Rules(s, allow, "accept");
        if (only) s.Append("    goto refuse\n");
        else Rules(s, denied, "goto refuse");
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
