namespace NsSandbox.EndToEnd.Tests;

/// <summary>The launcher run by a user that is not root (docs/rootless.md): what the kernel allows works, what it
/// does not is refused with one line and exit 123 before anything is made. The cgroup v2 subtree delegated to a
/// user is proven in the VM (CgroupV2VmTests, rootless-*): this host's memory, pids and cpu are on cgroup v1.</summary>
public sealed class UnprivilegedTests : IDisposable
{
    private readonly Launcher _nss;

    public UnprivilegedTests()
    {
        Unprivileged.Require();
        _nss = new Launcher { AsUser = true };
    }

    public void Dispose() => _nss.Dispose();

    [Fact]
    public void ASandboxRunsAsTheUsersOwnIdWithNoCapabilities()
    {
        var r = _nss.Sh("id -u; cat /proc/self/uid_map; grep CapEff /proc/self/status; hostname; echo x > /tmp/f && cat /tmp/f; ls /proc | grep -c '^[0-9]'");
        Assert.True(r.ExitCode == 0, r.Stderr);
        string[] lines = r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("65534", lines[0]);
        Assert.Equal(["65534", Unprivileged.Uid.ToString(), "1"], lines[1].Split(' ', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal("CapEff:\t0000000000000000", lines[2]);
        Assert.Equal("x", lines[4]);
        Assert.Equal("exited", r.ReportString("reason"));
        Assert.Equal("", r.Stderr);
    }

    [Fact]
    public void TheStateDirectoryIsUnderXdgStateHome()
    {
        string xdg = Path.Combine(_nss.TempDir, "xdg");
        var r = _nss.RunRaw(["-v", "--", "/bin/true"], bashPrefix: $"export XDG_STATE_HOME={xdg};");
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.True(Directory.Exists(Path.Combine(xdg, "nssandbox")), r.Stderr);
        Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(xdg, "nssandbox", "runs")));
    }

    [Fact]
    public void ASeccompViolationIsReportedWithoutTheAuditRecord()
    {
        var r = _nss.Run(["--seccomp_string", "POLICY p { KILL { uname } } USE p DEFAULT ALLOW"], "/bin/uname");
        Assert.Equal(128 + 31, r.ExitCode);
        Assert.Equal("seccomp", r.ReportString("reason"));
        // The audit log, which names the call, needs CAP_AUDIT_READ in the host's user namespace (ADR 6).
        Assert.Equal("nssandbox: seccomp: the command was killed for calling a forbidden system call (no audit record: see docs/seccomp.md)\n", r.Stderr);
    }

    public static TheoryData<string[], string> Refused => new()
    {
        { ["--net", "macvlan", "--macvlan_iface", "lo", "--macvlan_vs_ip", "192.0.2.77", "--macvlan_vs_nm", "255.255.255.0"],
          "nssandbox: --net macvlan: creating a macvlan needs CAP_NET_ADMIN in the host's network namespace" },
        { ["--net", "egress"], "nssandbox: --net egress: not yet available without root" },
        { ["--cgroup_version", "1", "--cgroup_pids_max", "10"],
          "nssandbox: cgroup: no usable cgroup for the limits asked (pids): cgroup v1 at /sys/fs/cgroup/pids" },
    };

    [Theory]
    [MemberData(nameof(Refused))]
    public void WhatNeedsRootIsRefusedWithOneLineBeforeAnythingIsMade(string[] flags, string line)
    {
        var r = _nss.Run(flags, "/bin/echo", "ran");
        Assert.Equal(123, r.ExitCode);
        Assert.Equal("", r.Stdout);
        Assert.StartsWith(line, r.Stderr);
        Assert.Single(r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.DoesNotContain("Access to the path", r.Stderr);
        Assert.Equal("setup-error", r.ReportString("reason"));
        // Launcher.Dispose fails the test if a per-run directory is left; nor is a state directory made for it.
        Assert.False(Directory.Exists(Path.Combine(_nss.StateDir, "runs")) && Directory.GetFileSystemEntries(Path.Combine(_nss.StateDir, "runs")).Length > 0);
    }

    [Fact]
    public void LimitsWithoutADelegatedSubtreeSayHowToGetOne()
    {
        Require.Cgroup("pids");
        var r = _nss.Run(["--cgroup_pids_max", "10"], "/bin/echo", "ran");
        Assert.Equal(123, r.ExitCode);
        Assert.Contains("is not writable by uid " + Unprivileged.Uid, r.Stderr);
        Assert.Contains("`systemd-run --user --scope -p Delegate=yes nssandbox ...`", r.Stderr);
        Assert.Single(r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }
}
