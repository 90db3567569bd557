using System.Globalization;
using NsSandbox.Core.Timing;
using NsSandbox.Linux.Net;

namespace NsSandbox.Core.Network;

/// <summary>What the supervisor does for the network between the clone and "go" (the plan), while stage 2 waits:
/// egress installs the filter and starts slirp4netns, macvlan creates and configures the interface. Disposing
/// ends every helper; the namespace itself, with its rules and interfaces, dies with the sandbox.</summary>
public sealed class NetworkSetup : IDisposable
{
    private Slirp? _slirp;

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
        string netns = $"--net=/proc/{childPid}/ns/net";

        // The filter goes in before the interface exists: no packet ever leaves unfiltered. /proc/sys/net shows the
        // network namespace of the process that opens it, so the sysctls are written by a shell under nsenter.
        // route_localnet: DNS to a loopback resolver is redirected out of tap0 (EgressFilter). With forwards, the
        // sandbox's unprivileged user may bind below 1024 (a forward to port 80); the ports are its own.
        string sysctls = "echo 1 > /proc/sys/net/ipv4/conf/all/route_localnet"
                         + (net.Forwards.Count > 0 ? " && echo 0 > /proc/sys/net/ipv4/ip_unprivileged_port_start" : "");
        string rules = EgressFilter.Ruleset(net.Deny, net.Allow, HostAddresses.Local());
        HelperCommand.Run("install the egress filter", nsenter, [netns, "--", "/bin/sh", "-c", $"{sysctls} && exec \"$0\" -f -", nft], rules);
        verbose($"egress filter installed in the sandbox's network namespace (table inet {EgressFilter.Table})");
        LaunchTrace.Mark("egress filter");

        string? api = net.Forwards.Count > 0 ? Path.Combine(runDir, "slirp.sock") : null;
        if (api is not null && System.Text.Encoding.UTF8.GetByteCount(api) > MaxSocketPath)
            throw new NetworkException($"--net_forward: slirp4netns' control socket {api} is longer than a socket path may be ({MaxSocketPath} bytes); use a shorter --state_dir");
        _slirp = Slirp.Start(slirp, unshare, childPid, api);
        verbose($"slirp4netns (pid {_slirp.Pid}) connects {Slirp.TapName} {Slirp.Address} to the host's sockets");
        foreach (var f in net.Forwards)
        {
            SlirpApi.AddTcpForward(api!, f.HostPort, f.SandboxPort);
            verbose($"forwarding 127.0.0.1:{f.HostPort} to the sandbox's port {f.SandboxPort}");
        }
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

    public void Dispose()
    {
        _slirp?.Dispose();
        _slirp = null;
    }
}
