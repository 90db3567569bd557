using System.Globalization;
using System.Net;
using NsSandbox.Core.Network.Dns;
using NsSandbox.Core.Timing;
using NsSandbox.Linux.Net;

namespace NsSandbox.Core.Network;

/// <summary>What the supervisor does for the network between the clone and "go" (the plan), while stage 2 waits:
/// egress installs the filter, opens the resolver's sockets in the sandbox's namespace, starts the resolver and
/// slirp4netns; macvlan creates and configures the interface. <see cref="Collect"/> gives the run's network log;
/// disposing ends every helper and closes the sockets; the namespace itself, with its rules and interfaces, dies
/// with the sandbox.</summary>
public sealed class NetworkSetup : IDisposable
{
    private Slirp? _slirp;
    private ResolverSockets? _sockets;
    private EgressResolver? _resolver;
    private NetworkLogBuilder? _log;

    private const int MaxSocketPath = 107; // sun_path holds 108 bytes with the terminating NUL

    private NetworkSetup() { }

    /// <summary>Null for none and host (nothing to do outside stage 2). Throws <see cref="NetworkException"/>.</summary>
    public static NetworkSetup? Start(NetSpec net, int childPid, string runDir, Action<string> verbose)
    {
        if (net.Mode is NetMode.None or NetMode.Host) return null;
        var setup = new NetworkSetup();
        try
        {
            if (net.Mode == NetMode.Egress) setup.StartEgress(net, childPid, runDir, verbose);
            else ConfigureMacvlan(net.Macvlan!, childPid, verbose);
            return setup;
        }
        catch
        {
            setup.Dispose();
            throw;
        }
    }

    private void StartEgress(NetSpec net, int childPid, string runDir, Action<string> verbose)
    {
        const string why = "--net egress";
        string slirp = Programs.Require("slirp4netns", "slirp4netns", why);
        string nsenter = Programs.Require("nsenter", "util-linux", why);
        string nft = Programs.Require("nft", "nftables", why);
        string unshare = Programs.Require("unshare", "util-linux", why);

        // The host: its own addresses, and slirp4netns' gateway, its way to the host's loopback. Neither is ever
        // reached through a range (--net_allow 10.0.0.0/8) or a wildcard name; only an exact allowed name leads there.
        var hostAddresses = HostAddresses.Local().Append(IPAddress.Parse(Slirp.Gateway)).Distinct().ToList();
        bool logRefusals = InstallFilter(net, childPid, hostAddresses, nsenter, nft, verbose);
        var policy = new NamePolicy(net.AllowHosts, net.Only, EgressFilter.Denied(net.Deny), net.Allow, hostAddresses);
        StartResolver(net, childPid, policy, logRefusals, verbose);

        string? api = net.Forwards.Count > 0 ? Path.Combine(runDir, "slirp.sock") : null;
        if (api is not null && System.Text.Encoding.UTF8.GetByteCount(api) > MaxSocketPath)
            throw new NetworkException($"--net_forward: slirp4netns' control socket {api} is longer than a socket path may be ({MaxSocketPath} bytes); use a shorter --state_dir");
        _slirp = Slirp.Start(slirp, unshare, childPid, api, hostLoopback: policy.ReachesHostLoopback);
        verbose($"slirp4netns (pid {_slirp.Pid}) connects {Slirp.TapName} {Slirp.Address} to the host's sockets");
        foreach (var f in net.Forwards)
        {
            SlirpApi.AddTcpForward(api!, f.HostPort, f.SandboxPort);
            verbose($"forwarding 127.0.0.1:{f.HostPort} to the sandbox's port {f.SandboxPort}");
        }
    }

    /// <summary>The filter goes in before the interface exists: no packet ever leaves unfiltered. With forwards, the
    /// sandbox's unprivileged user may bind below 1024 (a forward to port 80; the ports are its own namespace's):
    /// /proc/sys/net shows the network namespace of the process that opens it, so a shell under nsenter writes it.
    /// Returns whether refusals are copied to the nflog group (not on a kernel without nfnetlink_log).</summary>
    private static bool InstallFilter(NetSpec net, int childPid, IReadOnlyList<IPAddress> hostAddresses, string nsenter, string nft,
        Action<string> verbose)
    {
        string netns = $"--net=/proc/{childPid}/ns/net";
        string[] install = net.Forwards.Count > 0
            ? [netns, "--", "/bin/sh", "-c", "echo 0 > /proc/sys/net/ipv4/ip_unprivileged_port_start && exec \"$0\" -f -", nft]
            : [netns, "--", nft, "-f", "-"];
        bool logRefusals = true;
        try
        {
            HelperCommand.Run("install the egress filter", nsenter, install, EgressFilter.Ruleset(net.Deny, net.Allow, hostAddresses, net.Only));
        }
        catch (NetworkException first) when (first.Message.Contains("log group", StringComparison.Ordinal))
        {
            logRefusals = false;
            HelperCommand.Run("install the egress filter", nsenter, install,
                EgressFilter.Ruleset(net.Deny, net.Allow, hostAddresses, net.Only, logRefusals: false));
            verbose($"refused connections are counted but not listed: {first.Message}");
        }
        LaunchTrace.Mark("network: egress filter");
        verbose($"egress filter installed in the sandbox's network namespace (table inet {EgressFilter.Table}{(net.Only ? ", --net_only" : "")})");
        return logRefusals;
    }

    /// <summary>The resolver's sockets inside the sandbox's namespace, its sockets to the host's nameservers, and
    /// its thread.</summary>
    private void StartResolver(NetSpec net, int childPid, NamePolicy policy, bool logRefusals, Action<string> verbose)
    {
        _sockets = SandboxNetns.Run(childPid, () => ResolverSockets.Open(EgressFilter.Table, logRefusals ? EgressFilter.LogGroup : null, verbose));
        UpstreamDns upstream;
        try
        {
            upstream = new UpstreamDns(ResolvConf.Nameservers());
        }
        catch (System.Net.Sockets.SocketException e)
        {
            throw new NetworkException($"start the sandbox's resolver: {e.Message}");
        }
        _log = new NetworkLogBuilder();
        _resolver = new EgressResolver(_sockets, policy, upstream, _log, net.MinTtl, verbose);
        _resolver.Start();
        LaunchTrace.Mark("network: resolver");
        verbose($"resolver on the sandbox's {ResolverSockets.Listen} asks {string.Join(", ", upstream.Servers)}"
                + (net.AllowHosts.Count > 0 ? $"; allowed: {string.Join(", ", net.AllowHosts)}" : ""));
    }

    /// <summary>nsjail's recipe: a macvlan on the host interface, created directly in the sandbox's namespace
    /// (nothing appears in the host's), then named "vs", addressed and routed there.</summary>
    private static void ConfigureMacvlan(MacvlanSpec m, int childPid, Action<string> verbose)
    {
        const string why = "--net macvlan";
        string ip = Programs.Require("ip", "iproute2", why);
        string nsenter = Programs.Require("nsenter", "util-linux", why);
        string pid = childPid.ToString(CultureInfo.InvariantCulture);
        HelperCommand.Run($"create a macvlan on {m.Interface}", ip,
            ["link", "add", "link", m.Interface, "name", MacvlanSpec.InsideName, "netns", pid, "type", "macvlan", "mode", "bridge"]);
        var batch = new List<string>();
        if (m.Mac is not null) batch.Add($"link set dev {MacvlanSpec.InsideName} address {m.Mac}");
        batch.Add($"addr add {m.Address}/{m.PrefixLength} dev {MacvlanSpec.InsideName}");
        batch.Add($"link set dev {MacvlanSpec.InsideName} up");
        if (m.Gateway is not null) batch.Add($"route add default via {m.Gateway} dev {MacvlanSpec.InsideName}");
        HelperCommand.Run("configure the macvlan", nsenter, [$"--net=/proc/{childPid}/ns/net", "--", ip, "-batch", "-"],
            string.Join("\n", batch) + "\n");
        verbose($"macvlan {MacvlanSpec.InsideName} on {m.Interface}: {m.Address}/{m.PrefixLength}");
    }

    /// <summary>Egress: stops the resolver and returns what the run asked of the network, with the refusals the
    /// filter counted and logged (read once the sandbox is gone, so none is still on its way). Null otherwise.</summary>
    public NetworkLog? Collect()
    {
        if (_resolver is null || _sockets is null || _log is null) return null;
        _resolver.Dispose();
        ulong? refused = _sockets.Sets.ReadCounter(EgressFilter.RefusedCounter);
        var first = _sockets.Refusals?.Drain(NetworkLogBuilder.MaxRefusedShown, out _) ?? [];
        return _log.Build(refused ?? 0, first);
    }

    public void Dispose()
    {
        _resolver?.Dispose();
        _resolver = null;
        _sockets?.Dispose();
        _sockets = null;
        _slirp?.Dispose();
        _slirp = null;
    }
}
