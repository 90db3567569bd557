using System.Globalization;

namespace NsSandbox.Frontends.Cli;

/// <summary>The network flags (docs/network.md). Their config keys are the same names under [net]
/// (net_deny becomes deny, and so on).</summary>
public static class NetFlags
{
    public static IEnumerable<Flag> All() =>
    [
        new("net", null, "MODE", "none", "none: only lo; host: the host's network; egress: outbound to public addresses only; macvlan (docs/network.md)",
            (b, v, o) =>
            {
                b.Net.Mode = v switch
                {
                    "none" => NetMode.None,
                    "host" => NetMode.Host,
                    "egress" => NetMode.Egress,
                    "macvlan" => NetMode.Macvlan,
                    _ => throw new SpecException(o, $"unknown network mode '{v}'; use none, host, egress or macvlan"),
                };
                b.Net.Note("mode", o);
            }),
        new("iface_no_lo", null, null, "off", "leave lo down in --net none", (b, _, o) => { b.Net.LoopbackDown = true; b.Net.Note("iface_no_lo", o); }),
        new("net_deny", null, "CIDR", "private, loopback, link-local, CGNAT, ULA", "egress: also refuse this range (repeatable)",
            (b, v, o) => { b.Net.Deny.Add(Range(o, v)); b.Net.Note("deny", o); }),
        new("net_allow", null, "CIDR", "none", "egress: let this range through: exempt from the deny list, reachable under --net_only (repeatable)",
            (b, v, o) => { b.Net.Allow.Add(Range(o, v)); b.Net.Note("allow", o); }),
        new("net_allow_host", null, "NAME[:PORT]", "none", "egress: let NAME (or *.DOMAIN: every name below it) through, on PORT or every port, even at a denied address (repeatable)",
            (b, v, o) => { b.Net.AllowHosts.Add(HostPattern.Parse(o, v)); b.Net.Note("allow_host", o); }),
        new("net_only", null, null, "off", "egress: only --net_allow_host names resolve, and connections go only to their addresses (and --net_allow ranges)",
            (b, _, o) => { b.Net.Only = true; b.Net.Note("only", o); }),
        new("net_min_ttl", null, "SECONDS", "30", "egress: an address a name resolved to stays reachable at least this long, whatever its DNS TTL (also 2m)",
            (b, v, o) => { b.Net.MinTtl = Values.Duration(o, v); b.Net.Note("min_ttl", o); }),
        new("net_forward", null, "HOST:SANDBOX", "none", "egress: forward TCP port HOST of the host's 127.0.0.1 to port SANDBOX (repeatable)",
            (b, v, o) => { b.Net.Forwards.Add(Forward(o, v)); b.Net.Note("forward", o); }),
        new("macvlan_iface", 'I', "IFACE", "none", "macvlan: the host interface to attach to (implies --net macvlan)",
            (b, v, o) => { b.Net.MacvlanInterface = v; b.Net.Note("macvlan_iface", o); }),
        new("macvlan_vs_ip", null, "ADDR", "192.168.0.2", "macvlan: the sandbox's IPv4 address",
            (b, v, o) => { b.Net.MacvlanAddress = v; b.Net.Note("macvlan_vs_ip", o); }),
        new("macvlan_vs_nm", null, "MASK", "255.255.255.0", "macvlan: its netmask",
            (b, v, o) => { b.Net.MacvlanNetmask = v; b.Net.Note("macvlan_vs_nm", o); }),
        new("macvlan_vs_gw", null, "ADDR", "192.168.0.1", "macvlan: the default gateway (0.0.0.0: none)",
            (b, v, o) => { b.Net.MacvlanGateway = v; b.Net.Note("macvlan_vs_gw", o); }),
        new("macvlan_vs_ma", null, "MAC", "random", "macvlan: the interface's MAC address",
            (b, v, o) => { b.Net.MacvlanMac = v; b.Net.Note("macvlan_vs_ma", o); }),
    ];

    public static Cidr Range(string flag, string value) =>
        Cidr.TryParse(value.Trim(), out var c) ? c! : throw new SpecException(flag, $"'{value}' is not an address or a CIDR range (like 203.0.113.0/24)");

    /// <summary>HOST:SANDBOX, both TCP ports 1-65535.</summary>
    public static PortForward Forward(string flag, string value)
    {
        var parts = value.Split(':');
        if (parts.Length == 2 && Port(parts[0]) is { } host && Port(parts[1]) is { } sandbox) return new PortForward(host, sandbox);
        throw new SpecException(flag, $"'{value}' is not HOST:SANDBOX (two TCP ports, like 8080:80)");
    }

    private static int? Port(string s) =>
        int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out int p) && p is > 0 and <= 65535 ? p : null;
}
