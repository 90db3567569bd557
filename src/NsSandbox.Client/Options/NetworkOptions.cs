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

    /// <summary><c>--net_allow</c>: egress exempts these ranges from the deny list.</summary>
    public IReadOnlyList<Cidr> Allow { get; init; } = [];

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
