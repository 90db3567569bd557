namespace NsSandbox.Contract;

/// <summary>How the sandbox reaches the network (docs/network.md).</summary>
public enum NetMode
{
    /// <summary>A fresh network namespace with only lo.</summary>
    None,
    /// <summary>The host's network namespace.</summary>
    Host,
    /// <summary>Outbound connections to public addresses through slirp4netns, filtered inside the namespace.</summary>
    Egress,
    /// <summary>A macvlan interface on a host interface, with its own address.</summary>
    Macvlan,
}

/// <summary>A run's network, validated.</summary>
public sealed record NetSpec
{
    public static readonly TimeSpan DefaultMinTtl = TimeSpan.FromSeconds(30);

    public NetMode Mode { get; init; } = NetMode.None;
    /// <summary>Bring lo up in the new namespace (off with --iface_no_lo).</summary>
    public bool LoopbackUp { get; init; } = true;
    /// <summary>Egress: ranges refused on top of <see cref="EgressFilter.DefaultDeny"/>.</summary>
    public IReadOnlyList<Cidr> Deny { get; init; } = [];
    /// <summary>Egress: ranges exempted from the deny list.</summary>
    public IReadOnlyList<Cidr> Allow { get; init; } = [];
    /// <summary>Egress: names whose addresses the resolver lets through, even in a deny range (an exact name only;
    /// docs/network.md).</summary>
    public IReadOnlyList<HostPattern> AllowHosts { get; init; } = [];
    /// <summary>Egress: only names of <see cref="AllowHosts"/> resolve, and connections go only to the addresses
    /// they resolved to (and to <see cref="Allow"/>).</summary>
    public bool Only { get; init; }
    /// <summary>Egress: an address the resolver handed out stays reachable at least this long, whatever the TTL.</summary>
    public TimeSpan MinTtl { get; init; } = DefaultMinTtl;
    /// <summary>Egress: ports on the host's loopback forwarded into the sandbox.</summary>
    public IReadOnlyList<PortForward> Forwards { get; init; } = [];
    public MacvlanSpec? Macvlan { get; init; }

    /// <summary>The mode as the flag and the report spell it. A switch, not Enum.ToString: naming an enum value
    /// builds reflection metadata, which cost every launch's report start-up work.</summary>
    public string ModeName => Mode switch
    {
        NetMode.None => "none",
        NetMode.Host => "host",
        NetMode.Egress => "egress",
        NetMode.Macvlan => "macvlan",
        _ => Mode.ToString().ToLowerInvariant(),
    };
}

/// <summary>TCP port <see cref="HostPort"/> on the host's 127.0.0.1 reaches <see cref="SandboxPort"/> in the sandbox.</summary>
public sealed record PortForward(int HostPort, int SandboxPort);

/// <summary>nsjail's --macvlan_* settings; the interface is called "vs" inside the sandbox.</summary>
public sealed record MacvlanSpec(string Interface, string Address, int PrefixLength, string? Gateway, string? Mac)
{
    public const string InsideName = "vs";

    /// <summary>The prefix length as a dotted netmask (24: 255.255.255.0), as nsjail's flag takes it.</summary>
    public string Netmask
    {
        get
        {
            uint bits = PrefixLength == 0 ? 0 : uint.MaxValue << (32 - PrefixLength);
            return $"{bits >> 24}.{(bits >> 16) & 255}.{(bits >> 8) & 255}.{bits & 255}";
        }
    }
}
