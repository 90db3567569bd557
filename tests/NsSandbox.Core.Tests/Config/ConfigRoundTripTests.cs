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
    public void ModeExecveRoundTrips() => AssertRoundTrips(EffectiveFromFlags("-Me", "--disable_proc", "--", "/bin/true"));

    [Fact]
    public void DefaultTomlIsExactlyTheDefaults() =>
        Assert.Equal(Dump(FromFlags()), Dump(EffectiveConfig.Of(RepoFile("configs/default.toml"), [], "usage").Spec));

    private static void AssertRoundTrips(EffectiveConfig config)
    {
        string shown = ConfigWriter.Write(config);
        var reloaded = EffectiveFromToml(shown);
        Assert.Equal(Dump(config), Dump(reloaded));
        Assert.Equal(shown, ConfigWriter.Write(reloaded));
    }
}
