using static NsSandbox.Core.Tests.Config.ConfigFixture;

namespace NsSandbox.Core.Tests.Config;

/// <summary>Flags given on the command line override the file wherever --config stands; lists add to it; a
/// command after -- replaces the file's.</summary>
public sealed class ConfigPrecedenceTests
{
    private const string File = """
        [exec]
        path = "/bin/echo"
        args = ["from", "file"]
        hostname = "filehost"
        [limits]
        time-limit = "10s"
        rlimit-nofile = 64
        [env]
        env = ["A=file"]
        [fs]
        bindmount-ro = ["/etc:/x"]
        """;

    [Fact]
    public void TheFileAloneSetsEverything()
    {
        var s = FromToml(File);
        Assert.Equal(["/bin/echo", "from", "file"], s.Command);
        Assert.Equal("filehost", s.Hostname);
        Assert.Equal(TimeSpan.FromSeconds(10), s.TimeLimit);
        Assert.Equal(64UL, s.Rlimits.Single(r => r.Resource == RlimitResource.Nofile).Value);
    }

    [Fact]
    public void FlagsOverrideScalarsAndAddToLists()
    {
        var s = FromToml(File, "-H", "flaghost", "--time_limit=3", "--rlimit_nofile", "32", "-E", "A=flag", "-R", "/usr:/y");
        Assert.Equal("flaghost", s.Hostname);
        Assert.Equal(TimeSpan.FromSeconds(3), s.TimeLimit);
        Assert.Equal(32UL, s.Rlimits.Single(r => r.Resource == RlimitResource.Nofile).Value);
        Assert.Equal(["A=file", "A=flag"], s.Env.Entries.Select(e => $"{e.Name}={e.Value}"));
        Assert.Equal(["/x", "/y"], s.Mounts.Select(m => m.Target));
    }

    [Fact]
    public void FlagsBeforeConfigStillWin()
    {
        var spec = Frontends.Cli.ArgParser.Parse(["-H", "early", "--config", RepoFile("configs/default.toml"), "--", "/bin/true"]).Builder.Build();
        Assert.Equal("early", spec.Hostname);
        Assert.Equal(["/bin/true"], spec.Command);
    }

    [Fact]
    public void ACommandAfterDoubleDashReplacesTheFilesCommand()
    {
        Assert.Equal(["/bin/true"], FromToml(File, "--", "/bin/true").Command);
        Assert.Equal(["/bin/echo", "from", "file"], FromToml(File, "-q").Command);
    }
}
