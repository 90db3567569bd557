namespace NsSandbox.EndToEnd.Tests.Net;

/// <summary>Network flags that cannot work are refused before anything is created (exit 125).</summary>
public sealed class NetworkUsageTests : IDisposable
{
    private readonly Launcher _nss = new();

    public void Dispose() => _nss.Dispose();

    [Theory]
    [InlineData("--net=wifi", "--net: unknown network mode 'wifi'")]
    [InlineData("--net_deny=10.0.0.0/33", "--net_deny: '10.0.0.0/33' is not an address or a CIDR range")]
    [InlineData("--net_deny=10.0.0.0/8", "--net_deny: applies only to --net egress")]
    [InlineData("--net_forward=80", "--net_forward: '80' is not HOST:SANDBOX")]
    [InlineData("--net=egress --net_allow_host=203.0.113.7", "--net_allow_host: '203.0.113.7' is an address, not a name")]
    [InlineData("--net=egress --net_allow_host=*", "--net_allow_host: '*' would match every name")]
    [InlineData("--net=egress --net_allow_host=a.*.example.org", "a wildcard may only be '*.' at the start")]
    [InlineData("--net=egress --net_allow_host=pypi.org:0", "the port must be a number from 1 to 65535")]
    [InlineData("--net=egress --net_allow_host=bad_name!.org", "is not a host name")]
    [InlineData("--net_only", "--net_only: applies only to --net egress")]
    [InlineData("--net=host --net_allow_host=pypi.org", "--net_allow_host: applies only to --net egress")]
    [InlineData("--net=egress --net_min_ttl=0", "--net_min_ttl: must be from 1 s to 86400 s")]
    [InlineData("--net=macvlan", "macvlan needs --macvlan_iface")]
    [InlineData("--macvlan_vs_nm=255.0.255.0", "applies only to --net macvlan")]
    [InlineData("--iface_no_lo --net=egress", "--iface_no_lo: applies only to --net none or host")]
    [InlineData("-Me --disable_proc --net=egress", "--net: mode execve supports only --net none or host")]
    [InlineData("-Me --disable_proc --macvlan_iface=eth0", "mode execve supports only --net none or host")]
    public void RefusedWithOneLineAndCode125(string flags, string message)
    {
        Require.Root();
        var r = _nss.RunRaw(["--state_dir", _nss.StateDir, .. flags.Split(' '), "--", "/bin/true"]);
        Assert.Equal(125, r.ExitCode);
        string line = Assert.Single(r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains(message, line);
        Assert.False(Directory.Exists(Path.Combine(_nss.StateDir, "runs")), "a usage error must create nothing");
    }

    [Fact]
    public void ExecveModeSharesOrIsolatesTheNetwork()
    {
        Require.Root();
        var none = _nss.RunRaw(["-Me", "--disable_proc", "--net", "none", "--", "/bin/ls", "/sys/class/net"]);
        Assert.Equal("lo\n", none.Stdout);
        var host = _nss.RunRaw(["-Me", "--disable_proc", "--net", "host", "--", "/bin/ls", "/sys/class/net"]);
        Assert.Contains("lo", host.Stdout);
        Assert.NotEqual("lo\n", host.Stdout);
    }
}
