using System.Globalization;

namespace NsSandbox.Client;

/// <summary>The sandbox's network (docs/network.md). By default a new network namespace with only lo.</summary>
public sealed record NetworkOptions
{
    /// <summary><c>--net</c>: none (only lo), host, egress (public addresses only) or macvlan.</summary>
    public NetMode? Mode { get; init; }

    /// <summary><c>--iface_no_lo</c>: leave lo down in mode none.</summary>
    public bool LoopbackDown { get; init; }

    /// <summary><c>--net_deny</c>: egress also refuses these ranges.</summary>
    public IReadOnlyList<Cidr> Deny { get; init; } = [];

    /// <summary><c>--net_allow</c>: egress exempts these ranges from the deny list (and lets them through under
    /// <see cref="Only"/>).</summary>
    public IReadOnlyList<Cidr> Allow { get; init; } = [];

    /// <summary><c>--net_allow_host</c>: names egress lets through, even at a denied address for an exact name
    /// (<c>HostPattern.Parse("--net_allow_host", "*.example.org:443")</c>, or the record's constructor).</summary>
    public IReadOnlyList<HostPattern> AllowHosts { get; init; } = [];

    /// <summary><c>--net_only</c>: only <see cref="AllowHosts"/> resolve, and connections go only to their
    /// addresses (and <see cref="Allow"/>).</summary>
    public bool Only { get; init; }

    /// <summary><c>--net_min_ttl</c>: an address a name resolved to stays reachable at least this long.</summary>
    public TimeSpan? MinTtl { get; init; }

    /// <summary><c>--net_forward</c>: TCP ports of the host's 127.0.0.1 forwarded into the sandbox (egress).</summary>
    public IReadOnlyList<PortForward> Forwards { get; init; } = [];

    /// <summary>The <c>--macvlan_*</c> flags (a macvlan interface implies mode macvlan).</summary>
    public MacvlanOptions? Macvlan { get; init; }

    internal void AppendTo(LauncherArguments args)
    {
        args.Value("net", Mode switch
        {
            null => null,
            NetMode.Host => "host",
            NetMode.Egress => "egress",
            NetMode.Macvlan => "macvlan",
            _ => "none",
        });
        args.Switch("iface_no_lo", LoopbackDown);
        foreach (var range in Deny) args.Value("net_deny", range.ToString());
        foreach (var range in Allow) args.Value("net_allow", range.ToString());
        foreach (var host in AllowHosts) args.Value("net_allow_host", host.ToString());
        args.Switch("net_only", Only);
        if (MinTtl is { } ttl) args.Value("net_min_ttl", ttl.TotalMilliseconds.ToString("0.###", CultureInfo.InvariantCulture) + "ms");
        foreach (var f in Forwards) args.Value("net_forward", $"{f.HostPort}:{f.SandboxPort}");
        Macvlan?.AppendTo(args);
    }
}

/// <summary>A macvlan interface on a host interface, called "vs" inside the sandbox. Null properties keep the
/// launcher's defaults.</summary>
/// <param name="Interface"><c>--macvlan_iface</c>: the host interface.</param>
public sealed record MacvlanOptions(string Interface)
{
    /// <summary><c>--macvlan_vs_ip</c>: the sandbox's IPv4 address.</summary>
    public string? Address { get; init; }

    /// <summary><c>--macvlan_vs_nm</c>: its netmask.</summary>
    public string? Netmask { get; init; }

    /// <summary><c>--macvlan_vs_gw</c>: the default gateway (0.0.0.0: none).</summary>
    public string? Gateway { get; init; }

    /// <summary><c>--macvlan_vs_ma</c>: the interface's MAC address.</summary>
    public string? Mac { get; init; }

    internal void AppendTo(LauncherArguments args)
    {
        args.Value("macvlan_iface", Interface);
        args.Value("macvlan_vs_ip", Address);
        args.Value("macvlan_vs_nm", Netmask);
        args.Value("macvlan_vs_gw", Gateway);
        args.Value("macvlan_vs_ma", Mac);
    }
}
