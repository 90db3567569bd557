using NsSandbox.Frontends.Toml;
using static NsSandbox.Core.Tests.Config.ConfigFixture;

namespace NsSandbox.Core.Tests.Config;

/// <summary>config show prints TOML that loads back to the same spec, for every profile and for a spec that
/// sets everything; and default.toml is exactly the defaults.</summary>
public sealed class ConfigRoundTripTests
{
    public static TheoryData<string> Profiles() =>
        new(Directory.GetFiles(RepoFile("configs"), "*.toml").Select(Path.GetFileName).Order()!);

    [Fact]
    public void ThereAreProfiles() => Assert.Contains("python.toml", Profiles().Select(r => r.Data));

    [Theory]
    [MemberData(nameof(Profiles))]
    public void EveryProfileRoundTrips(string profile)
    {
        var spec = EffectiveConfig.Of(RepoFile("configs/" + profile), [], "usage");
        AssertRoundTrips(spec);
    }

    [Fact]
    public void ASpecThatSetsEverythingRoundTrips()
    {
        var spec = EffectiveFromFlags("-H", "box", "-u", "1000", "-g", "100", "--chroot", "/", "--rw", "-D", "/tmp", "-t", "1.25",
            "-q", "-E", "A=1", "-E", "B", "-E", "Q=\"quoted\\\" \n", "-e", "-R", "/etc:/x", "-B", "/tmp", "-T", "/t", "--tmp_size", "3M",
            "--data", "/tmp", "--state_dir", "/srv/s", "--report", "-", "--rlimit_as", "1000K", "--rlimit_core", "3",
            "--rlimit_cpu", "inf", "--rlimit_fsize", "soft", "--rlimit_nofile", "hard", "--rlimit_nproc", "9", "--rlimit_stack", "8",
            "--rlimit_data", "8G", "-N", "--disable_clone_newipc", "--", "/bin/echo", "a", "b c");
        AssertRoundTrips(spec);
        Assert.Equal(Dump(spec), Dump(EffectiveFromToml(ConfigWriter.Write(spec))));
    }

    [Fact]
    public void EveryKindOfMountAndItsFieldsRoundTrip()
    {
        var spec = EffectiveFromToml("""
            [fs]
            proc-path = "/p"
            proc-rw = true
            [[fs.mount]]
            src = "/srv"
            dst = "/s"
            dir = true
            noexec = true
            nodev = true
            optional = true
            [[fs.mount]]
            type = "tmpfs"
            dst = "/t"
            rw = false
            size = "2M"
            inodes = 100
            mode = 0o750
            uid = 65534
            gid = 65534
            noexec = true
            [[fs.mount]]
            type = "symlink"
            src = "../usr/bin"
            dst = "/s/bin"
            optional = true
            [[fs.mount]]
            type = "proc"
            dst = "/p2"
            rw = true
            [[fs.mount]]
            type = "file"
            dst = "/etc/x"
            content = "x"
            nodev = true
            """);
        Assert.Equal(
        [
            new MountSpec("/srv", "/s", ReadOnly: true, Optional: true) { IsDirectory = true, NoExec = true, NoDev = true },
            new MountSpec(null, "/t", ReadOnly: true, TmpfsSizeBytes: 2 << 20) { TmpfsInodes = 100, TmpfsMode = 0x1E8, TmpfsUid = 65534, TmpfsGid = 65534, NoExec = true },
            new MountSpec("../usr/bin", "/s/bin", ReadOnly: false, Optional: true) { Type = MountType.Symlink },
            new MountSpec(null, "/p2", ReadOnly: false) { Type = MountType.Proc },
            new MountSpec(null, "/etc/x", ReadOnly: true, Content: "x") { NoDev = true },
        ], spec.Spec.Mounts);
        Assert.Equal(("/p", true), (spec.Spec.ProcPath, spec.Spec.ProcReadWrite));
        AssertRoundTrips(spec);
    }

    [Fact]
    public void AnEgressSpecRoundTrips() => AssertRoundTrips(EffectiveFromFlags("--net", "egress", "--net_only",
        "--net_allow_host", "pypi.org", "--net_allow_host", "*.example.org:443", "--net_min_ttl", "90", "--net_deny", "203.0.113.0/24",
        "--net_allow", "10.1.0.0/16", "--net_forward", "8080:80", "--", "/bin/true"));

    [Fact]
    public void ThePythonProfilesCommentedAllowlistLoadsUncommented()
    {
        string text = File.ReadAllText(RepoFile("configs/python.toml"));
        string uncommented = System.Text.RegularExpressions.Regex.Replace(text, "^# ((only|allow-host) = .*)$", "$1",
            System.Text.RegularExpressions.RegexOptions.Multiline);
        Assert.NotEqual(text, uncommented);
        var net = FromToml(uncommented).Net;
        Assert.Equal(NetMode.Egress, net.Mode);
        Assert.True(net.Only);
        Assert.Equal([new HostPattern("pypi.org", false, null), new HostPattern("files.pythonhosted.org", false, null)], net.AllowHosts);
    }

    [Fact]
    public void ModeExecveRoundTrips() => AssertRoundTrips(EffectiveFromFlags("-Me", "--disable_proc", "--", "/bin/true"));

    [Fact]
    public void DefaultTomlIsExactlyTheDefaults() =>
        Assert.Equal(Dump(FromFlags()), Dump(EffectiveConfig.Of(RepoFile("configs/default.toml"), [], "usage").Spec));

    [Fact]
    public void DefaultTomlsCommentedListenKeysLoadUncommented()
    {
        // Mode listen's keys are refused in mode once, so default.toml carries them commented out: uncommented,
        // with -Ml, they are real keys with the defaults they say (the port and the report directory are examples).
        string text = File.ReadAllText(RepoFile("configs/default.toml"));
        var listenLines = new System.Text.RegularExpressions.Regex(@"^# (\[listen\]|port = |bindhost = |max-conns = |max-conns-per-ip = |report-dir = )",
            System.Text.RegularExpressions.RegexOptions.Multiline);
        Assert.Equal(6, listenLines.Matches(text).Count);
        string uncommented = listenLines.Replace(text, "$1");
        var file = Path.Combine(Path.GetTempPath(), $"nss-config-test-{Guid.NewGuid():N}.toml");
        File.WriteAllText(file, uncommented);
        try
        {
            var loaded = EffectiveConfig.Of(file, ["-Ml"], "usage");
            Assert.Equal(new ListenSpec { Port = 9000, BindHost = System.Net.IPAddress.IPv6Any, MaxConns = 0, MaxConnsPerIp = 0 }, loaded.Listen);
            Assert.EndsWith("/reports", loaded.Spec.ReportDir);
            Assert.Equal(Dump(FromFlags("--report_dir", loaded.Spec.ReportDir!)), Dump(loaded.Spec));
        }
        finally
        {
            File.Delete(file);
        }
    }

    private static void AssertRoundTrips(EffectiveConfig config)
    {
        string shown = ConfigWriter.Write(config);
        var reloaded = EffectiveFromToml(shown);
        Assert.Equal(Dump(config), Dump(reloaded));
        Assert.Equal(shown, ConfigWriter.Write(reloaded));
    }
}
