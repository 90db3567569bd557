using System.Net;
using System.Net.Sockets;

namespace NsSandbox.Contract;

/// <summary>The mutable network side of a <see cref="SpecBuilder"/>: flags apply to it in order; <see cref="Build"/>
/// validates it into a <see cref="NetSpec"/>. Every setting remembers the flag (or config key) that set it.</summary>
public sealed class NetSettings
{
    private readonly Dictionary<string, string> _origins = new();

    public NetMode Mode { get; set; } = NetMode.None;
    public bool LoopbackDown { get; set; }
    public List<Cidr> Deny { get; } = [];
    public List<Cidr> Allow { get; } = [];
    public List<PortForward> Forwards { get; } = [];
    public List<HostPattern> AllowHosts { get; } = [];
    public bool Only { get; set; }
    public TimeSpan? MinTtl { get; set; }
    public string? MacvlanInterface { get; set; }
    public string? MacvlanAddress { get; set; }
    public string? MacvlanNetmask { get; set; }
    public string? MacvlanGateway { get; set; }
    public string? MacvlanMac { get; set; }

    /// <summary>The longest floor: a day, as long as the resolver keeps any answer (docs/network.md).</summary>
    public static readonly TimeSpan MaxMinTtl = TimeSpan.FromDays(1);

    public void Note(string setting, string origin) => _origins[setting] = origin;

    private string Origin(string setting, string fallback) => _origins.GetValueOrDefault(setting, fallback);

    public NetSpec Build(RunMode runMode)
    {
        // nsjail: --macvlan_iface alone selects a macvlan.
        var mode = Mode == NetMode.None && MacvlanInterface is not null && !_origins.ContainsKey("mode") ? NetMode.Macvlan : Mode;
        string modeOrigin = Origin("mode", "--net");
        if (runMode == RunMode.Execve && mode is NetMode.Egress or NetMode.Macvlan)
            throw new SpecException(modeOrigin, $"mode execve supports only --net none or host: {mode.ToString().ToLowerInvariant()} needs a supervisor to run its helpers; use mode once (-Mo)");
        if (mode != NetMode.Egress)
            foreach (string s in new[] { "deny", "allow", "forward", "allow_host", "only", "min_ttl" })
                if (_origins.TryGetValue(s, out string? o)) throw new SpecException(o, "applies only to --net egress");
        if (mode != NetMode.Macvlan)
            foreach (string s in new[] { "macvlan_iface", "macvlan_vs_ip", "macvlan_vs_nm", "macvlan_vs_gw", "macvlan_vs_ma" })
                if (_origins.TryGetValue(s, out string? o)) throw new SpecException(o, "applies only to --net macvlan");
        // With the host's network, lo is the host's and stays as it is: nsjail accepts the flag there too.
        if (LoopbackDown && mode is NetMode.Egress or NetMode.Macvlan)
            throw new SpecException(Origin("iface_no_lo", "--iface_no_lo"), "applies only to --net none or host (egress and macvlan need lo)");
        if (MinTtl is { } ttl && (ttl < TimeSpan.FromSeconds(1) || ttl > MaxMinTtl))
            throw new SpecException(Origin("min_ttl", "--net_min_ttl"), $"must be from 1 s to {MaxMinTtl.TotalSeconds:0} s");
        var hostPorts = Forwards.GroupBy(f => f.HostPort).FirstOrDefault(g => g.Count() > 1);
        if (hostPorts is not null)
            throw new SpecException(Origin("forward", "--net_forward"), $"host port {hostPorts.Key} is forwarded twice");

        return new NetSpec
        {
            Mode = mode,
            LoopbackUp = !LoopbackDown,
            Deny = Deny.ToList(),
            Allow = Allow.ToList(),
            Forwards = Forwards.ToList(),
            AllowHosts = AllowHosts.Distinct().ToList(),
            Only = Only,
            MinTtl = MinTtl ?? NetSpec.DefaultMinTtl,
            Macvlan = mode == NetMode.Macvlan ? BuildMacvlan() : null,
        };
    }

    /// <summary>nsjail's defaults: 192.168.0.2/24 via 192.168.0.1.</summary>
    private MacvlanSpec BuildMacvlan()
    {
        string iface = MacvlanInterface ?? throw new SpecException(Origin("mode", "--net"), "macvlan needs --macvlan_iface (the host interface to attach to)");
        if (iface.Length is 0 or > 15 || iface.Any(c => c is '/' or ':' || char.IsWhiteSpace(c)))
            throw new SpecException(Origin("macvlan_iface", "--macvlan_iface"), $"'{iface}' is not an interface name");
        var address = IPv4(MacvlanAddress ?? "192.168.0.2", "macvlan_vs_ip");
        var mask = IPv4(MacvlanNetmask ?? "255.255.255.0", "macvlan_vs_nm");
        string? gateway = MacvlanGateway ?? "192.168.0.1";
        gateway = gateway is "" or "0.0.0.0" ? null : IPv4(gateway, "macvlan_vs_gw").ToString();
        if (MacvlanMac is { } mac && !System.Text.RegularExpressions.Regex.IsMatch(mac, "^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$"))
            throw new SpecException(Origin("macvlan_vs_ma", "--macvlan_vs_ma"), $"'{mac}' is not a MAC address (like 02:00:00:00:00:01)");
        return new MacvlanSpec(iface, address.ToString(), PrefixLength(mask), gateway, MacvlanMac is "" ? null : MacvlanMac);
    }

    private IPAddress IPv4(string value, string setting) =>
        IPAddress.TryParse(value, out var ip) && ip.AddressFamily == AddressFamily.InterNetwork && value.Count(c => c == '.') == 3
            ? ip : throw new SpecException(Origin(setting, "--" + setting), $"'{value}' is not an IPv4 address");

    private int PrefixLength(IPAddress mask)
    {
        uint bits = System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(mask.GetAddressBytes());
        int len = System.Numerics.BitOperations.PopCount(bits);
        if (len == 0 || bits != uint.MaxValue << (32 - len))
            throw new SpecException(Origin("macvlan_vs_nm", "--macvlan_vs_nm"), $"{mask} is not a netmask");
        return len;
    }
}
