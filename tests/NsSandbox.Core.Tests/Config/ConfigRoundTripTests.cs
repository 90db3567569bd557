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
        Assert.Equal(Dump(spec), Dump(EffectiveFromToml(ConfigWriter.Write(spec.Spec, spec.Mode))));
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
    public void ModeExecveRoundTrips() => AssertRoundTrips(EffectiveFromFlags("-Me", "--disable_proc", "--", "/bin/true"));

    [Fact]
    public void DefaultTomlIsExactlyTheDefaults() =>
        Assert.Equal(Dump(FromFlags()), Dump(EffectiveConfig.Of(RepoFile("configs/default.toml"), [], "usage").Spec));

    private static void AssertRoundTrips(EffectiveConfig config)
    {
        string shown = ConfigWriter.Write(config.Spec, config.Mode);
        var reloaded = EffectiveFromToml(shown);
        Assert.Equal(Dump(config), Dump(reloaded));
        Assert.Equal(shown, ConfigWriter.Write(reloaded.Spec, reloaded.Mode));
    }
}
