using System.Net;
using NsSandbox.EndToEnd.Tests.Linux;
using static NsSandbox.EndToEnd.Tests.Net.NetScripts;

namespace NsSandbox.EndToEnd.Tests.Net;

/// <summary>The network modes, proved against the <see cref="NetworkLab"/>: nssandbox runs in the lab's host
/// namespace, and no test sends traffic anywhere but loopback and the lab's namespaces.</summary>
[Collection<LoadSensitive>]
public sealed class NetworkTests : IClassFixture<NetworkLab>, IDisposable
{
    private readonly NetworkLab _lab;
    private readonly Launcher _nss;

    public NetworkTests(NetworkLab lab)
    {
        _lab = lab;
        _nss = lab.NewLauncher();
    }

    public void Dispose()
    {
        _nss.Dispose();
        Assert.Empty(_lab.ProcessesInHost(TimeSpan.FromSeconds(10))); // no launcher or slirp4netns of these runs
    }

    [Fact]
    public void EgressLeavesTheHostsNamedNetworkNamespacesMounted()
    {
        _lab.Require();
        // Run from the host's own mount namespace (not through ip netns exec): slirp4netns' sandbox once detached
        // its old root through shared submounts and unmounted /run/netns/* of the host. /bin/true sends nothing.
        using var onHost = new Launcher();
        var r = onHost.Run(["--net", "egress"], "/bin/true");
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Contains(File.ReadAllLines("/proc/self/mountinfo"), l => l.Split(' ')[4] == "/run/netns/" + _lab.Host);
        var check = _nss.Sh("true");
        Assert.True(check.ExitCode == 0, "ip netns exec into the lab failed after an egress run: " + check.Stderr);
    }

    [Fact]
    public void NoneHasOnlyLoopbackAndNoRoute()
    {
        _lab.Require();
        var r = _nss.Sh("ls /sys/class/net; " + Get(NetworkLab.Outside, 8080));
        Assert.Equal("lo\nNetwork is unreachable\n", r.Stdout);
        Assert.Equal("none", r.Report!.Value.GetProperty("sandbox").GetProperty("network").GetString());
    }

    [Fact]
    public void IfaceNoLoLeavesLoopbackDown()
    {
        _lab.Require();
        Assert.Equal("0x9\n", _nss.Sh("cat /sys/class/net/lo/flags").Stdout); // IFF_UP|IFF_LOOPBACK
        Assert.Equal("0x8\n", _nss.Sh("cat /sys/class/net/lo/flags", "--iface_no_lo").Stdout);
    }

    [Fact]
    public void HostModeReachesTheHostsLoopback()
    {
        _lab.Require();
        foreach (string[] flags in new[] { new[] { "--net", "host" }, ["-N"] })
        {
            var r = _nss.Sh(Get("127.0.0.1", 8081), flags);
            Assert.Equal("host-loopback\n", r.Stdout);
            Assert.Equal("host", r.Report!.Value.GetProperty("sandbox").GetProperty("network").GetString());
        }
    }

    [Fact]
    public void EgressReachesTheOutsideWorldAndNothingElse()
    {
        _lab.Require();
        var r = _nss.Sh(
            Get(NetworkLab.Outside, 8080) +           // the outside world
            Get("outside.test", 8080) +               // by name, through the host's resolver
            Get(NetworkLab.Deniable, 8080) +          // not denied unless asked
            Get("127.0.0.1", 8081) +                  // the sandbox's own loopback, not the host's
            Get("10.0.2.2", 8081) +                   // slirp4netns' gateway to the host's loopback
            Get(NetworkLab.HostAddress, 8082) +       // the host itself
            Get(NetworkLab.Private, 8080) +           // a private range
            Get("169.254.169.254", 80),               // cloud metadata
            "--net", "egress");
        Assert.Equal(0, r.ExitCode);
        Assert.Equal(
            "outside\noutside\ndeniable\nConnection refused\nConnection refused\nConnection refused\nConnection refused\nConnection refused\n",
            r.Stdout);
        Assert.Equal("egress", r.Report!.Value.GetProperty("sandbox").GetProperty("network").GetString());
    }

    [Fact]
    public void EgressDenyAndAllowListsAreConfigurable()
    {
        _lab.Require();
        var r = _nss.Sh(Get(NetworkLab.Deniable, 8080) + Get(NetworkLab.Private, 8080) + Get(NetworkLab.Outside, 8080),
            "--net", "egress", "--net_deny", "203.0.113.0/24", "--net_allow", "10.99.0.0/16");
        Assert.Equal("Connection refused\nprivate\noutside\n", r.Stdout);
    }

    [Fact]
    public void TheSandboxCannotChangeItsFilterOrAddresses()
    {
        _lab.Require();
        var r = _nss.Sh(
            // Each attempt must fail for want of permission (not for a missing program), and change nothing.
            Refused("nft flush ruleset", "flush") +
            Refused("nft delete table inet nssandbox", "delete") +
            Refused("unshare -r nft flush ruleset", "userns-flush") + // root of a new user namespace: not the net's owner
            Refused("ip addr add 192.0.2.99/32 dev tap0", "addr") +
            Refused("ip route add 192.0.2.2/32 dev tap0", "route") +
            "ip -o addr show dev tap0 | grep -c 192.0.2.99; " +
            Get(NetworkLab.HostAddress, 8082),
            // The barrier is capabilities and ownership, not the default policy; --proc_rw lets unshare -r write its
            // uid_map (/proc is read-only by default).
            "--net", "egress", "--disable_seccomp", "--proc_rw");
        Assert.Equal("flush-refused\ndelete-refused\nuserns-flush-refused\naddr-refused\nroute-refused\n0\nConnection refused\n", r.Stdout);
    }

    private static string Refused(string command, string what) =>
        $"{command} 2>&1 | grep -q 'Operation not permitted' && echo {what}-refused; ";

    [Fact]
    public async Task ForwardedPortIsReachableOnTheHostsLoopbackOnly()
    {
        _lab.Require();
        // The sandbox serves one connection on port 80; the host's 127.0.0.1:18080 leads there.
        string server = "perl -MIO::Socket::INET -e '$s = IO::Socket::INET->new(LocalPort => 80, Listen => 1, ReuseAddr => 1) or die $!; " +
                        "print \"listening\\n\"; $|=1; $c = $s->accept; print $c \"inside\\n\"; close $c'";
        var run = Task.Run(() => _nss.Sh(server, "--net", "egress", "--net_forward", "18080:80", "--time_limit", "60"));
        string? answer = null;
        for (int i = 0; i < 100 && answer is null && !run.IsCompleted; i++)
        {
            // From outside the host (the world), the port is not open.
            Assert.Null(NetNs.Fetch(_lab.World, new IPEndPoint(IPAddress.Parse(NetworkLab.HostAddress), 18080)));
            answer = NetNs.Fetch(_lab.Host, new IPEndPoint(IPAddress.Loopback, 18080)) is { Length: > 0 } a ? a : null;
            if (answer is null) await Task.Delay(200, TestContext.Current.CancellationToken);
        }
        var r = await run;
        Assert.Equal("inside\n", answer);
        Assert.Equal(0, r.ExitCode);
    }

    [Fact]
    public void MacvlanGetsItsAddress()
    {
        _lab.Require();
        var r = _nss.Sh("ip -4 -o addr show dev vs | awk '{print $4}'; ip route | grep default",
            "--macvlan_iface", NetworkLab.MacvlanLower, "--macvlan_vs_ip", "192.0.2.77", "--macvlan_vs_nm", "255.255.255.0",
            "--macvlan_vs_gw", NetworkLab.Outside);
        Assert.Equal(0, r.ExitCode);
        Assert.Equal("192.0.2.77/24\ndefault via 192.0.2.1 dev vs \n", r.Stdout);
        Assert.Equal("macvlan", r.Report!.Value.GetProperty("sandbox").GetProperty("network").GetString());
    }

    /// <summary>A helper that fails, before or after slirp4netns started (the lab's host already serves
    /// 127.0.0.1:8081, so the forward cannot listen there): exit 126, nothing ran, no helper left (Dispose).</summary>
    [Theory]
    [InlineData("--net macvlan --macvlan_iface nosuch0", "create a macvlan on nosuch0", "macvlan")]
    [InlineData("--net egress --net_forward 8081:80", "forward 127.0.0.1:8081 to the sandbox's port 80", "egress")]
    public void AFailedHelperIsASetupErrorAndLeavesNothing(string flags, string message, string mode)
    {
        _lab.Require();
        var r = _nss.Sh("echo ran", flags.Split(' '));
        Assert.Equal(126, r.ExitCode);
        Assert.Equal("", r.Stdout);
        Assert.Contains(message, r.Stderr);
        Assert.Equal("setup-error", r.ReportString("reason"));
        Assert.Equal(mode, r.Report!.Value.GetProperty("sandbox").GetProperty("network").GetString());
    }

    [Fact]
    public void ATimedOutRunEndsSlirp()
    {
        _lab.Require();
        var r = _nss.Sh("echo started; sleep 30", "--net", "egress", "--time_limit", "1");
        Assert.Equal(124, r.ExitCode);
        Assert.Equal("started\n", r.Stdout);
    } // Dispose: no slirp4netns left

    [Fact]
    public void SlirpEndsWhenTheSupervisorIsKilled()
    {
        _lab.Require();
        // Through the lab's wrapper, ip netns exec, which execs the launcher: the process is the launcher's.
        using var launcher = _nss.Start(["--state_dir", _nss.StateDir, "--net", "egress", "--", "/bin/sh", "-c", "echo started; sleep 60"]);
        try
        {
            Assert.Equal("started", launcher.StandardOutput.ReadLineWithin(TimeSpan.FromSeconds(60)));
            int slirp = File.ReadAllText($"/proc/{launcher.Id}/task/{launcher.Id}/children").Split(' ', StringSplitOptions.RemoveEmptyEntries)
                .Select(int.Parse).Single(p => File.ReadAllText($"/proc/{p}/comm").Trim() == "slirp4netns");
            launcher.Kill(); // SIGKILL: no cleanup code runs in the supervisor
            launcher.WaitForExitWithin(TimeSpan.FromSeconds(30));
            // It is reparented to this test process (a subreaper), which leaves it a zombie: ended is enough.
            var deadline = DateTime.UtcNow.AddSeconds(10);
            while (Subreaper.IsLive(slirp) && DateTime.UtcNow < deadline) Thread.Sleep(50);
            Assert.False(Subreaper.IsLive(slirp), "slirp4netns outlived its supervisor");
        }
        finally
        {
            if (!launcher.HasExited) launcher.Kill();
        }
        Assert.Equal(0, _nss.Run([], "/bin/true").ExitCode); // and the next run removes the dead run's directory
    }
}
