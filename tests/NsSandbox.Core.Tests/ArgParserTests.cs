using NsSandbox.Frontends.Cli;
using NsSandbox.Linux;

namespace NsSandbox.Core.Tests;

public sealed class ArgParserTests
{
    private static SpecBuilder Parse(params string[] args) => ArgParser.Parse(args).Builder;

    [Theory]
    [InlineData("-Mo")]
    [InlineData("-M", "o")]
    [InlineData("--mode", "o")]
    [InlineData("--mode=once")]
    public void ModeOnceInEverySpelling(params string[] args) =>
        Assert.Equal(RunMode.Once, Parse([.. args, "--", "x"]).Mode);

    [Fact]
    public void ModeExecve() => Assert.Equal(RunMode.Execve, Parse("-Me", "x").Mode);

    [Fact]
    public void TraceTimingIsASwitch() => Assert.True(Parse("--trace-timing", "x").TraceTiming);

    [Theory]
    [InlineData("--time_limit", "5")]
    [InlineData("--time-limit", "5")]
    [InlineData("--time_limit=5")]
    [InlineData("--time-limit=5s")]
    [InlineData("-t", "5")]
    [InlineData("-t5")]
    public void LongFlagsTakeBothSpellingsAndShortFormsWork(params string[] args) =>
        Assert.Equal(TimeSpan.FromSeconds(5), Parse([.. args, "x"]).TimeLimit);

    [Fact]
    public void BundledSwitchesAndAValueTakingShortFlag()
    {
        var b = Parse("-qec/srv", "--", "cmd");
        Assert.Equal(Verbosity.Quiet, b.Verbosity);
        Assert.True(b.KeepEnv);
        Assert.Equal("/srv", b.Chroot);
    }

    [Fact]
    public void CommandStartsAfterDoubleDashOrAtTheFirstPositional()
    {
        Assert.Equal(["/bin/echo", "-n", "--", "x"], Parse("-v", "--", "/bin/echo", "-n", "--", "x").Command);
        Assert.Equal(["/bin/ls", "-l"], Parse("-v", "/bin/ls", "-l").Command);
    }

    [Fact]
    public void RepeatableFlagsAccumulateInOrder()
    {
        var b = Parse("-R", "/a", "-B", "/b:/c", "-T", "/t", "-E", "X=1", "--env", "Y", "--tmp_size", "1M", "x");
        Assert.Equal([new MountSpec("/a", "/a", true), new MountSpec("/b", "/c", false), new MountSpec(null, "/t", false)], b.Mounts);
        // A tmpfs mount is sized by --tmp_size wherever that stands.
        Assert.Equal(1UL << 20, b.Build().Mounts[2].TmpfsSizeBytes);
        Assert.Equal([new EnvEntry("X", "1"), new EnvEntry("Y", null)], b.Env);
    }

    [Fact]
    public void NamespaceFlagsClearTheirBit()
    {
        // The net namespace follows the network mode: nsjail's flags for it select --net host.
        var b = Parse("--disable_clone_newnet", "--disable-clone-newipc", "x");
        Assert.Equal(Defaults.Namespaces & ~Namespaces.Ipc, b.Namespaces);
        Assert.Equal(NsSandbox.Contract.NetMode.Host, b.Net.Mode);
        Assert.Equal(NsSandbox.Contract.NetMode.Host, Parse("-N", "x").Net.Mode);
    }

    [Fact]
    public void RlimitsInNsjailUnits()
    {
        var b = Parse("--rlimit_as", "512", "--rlimit_cpu", "3", "--rlimit_nofile", "hard", "--rlimit_stack", "inf", "x");
        Assert.Equal(new RlimitSpec(RlimitResource.As, RlimitKind.Value, 512ul << 20), b.Rlimits[RlimitResource.As]);
        Assert.Equal(new RlimitSpec(RlimitResource.Cpu, RlimitKind.Value, 3), b.Rlimits[RlimitResource.Cpu]);
        Assert.Equal(RlimitKind.Hard, b.Rlimits[RlimitResource.Nofile].Kind);
        Assert.Equal(RlimitKind.Infinity, b.Rlimits[RlimitResource.Stack].Kind);
        Assert.Equal(new RlimitSpec(RlimitResource.Core, RlimitKind.Value, 0), b.Rlimits[RlimitResource.Core]);
    }

    [Theory]
    [InlineData("--nope", "--nope", "unknown flag; see --help")]
    [InlineData("--chrot=/", "--chrot", "unknown flag; did you mean --chroot?")]
    [InlineData("-Z", "-Z", "unknown flag; see --help")]
    [InlineData("--rw=1", "--rw", "takes no value")]
    [InlineData("--chroot", "--chroot", "expects a value (DIR)")]
    [InlineData("--rlimit_as=-1", "--rlimit_as", "'-1' is not a limit: a number of MiB, a size (512M, 8G), or inf, soft, hard")]
    [InlineData("--rlimit_as=99999999999999999", "--rlimit_as", "'99999999999999999' is too large")]
    [InlineData("-Mx", "-M", "unknown mode 'x'; use o (once), e (execve), l (listen) or r (rerun)")]
    [InlineData("--port=70000", "--port", "70000 is not a TCP port (0 to 65535)")]
    [InlineData("--max_conns=5000000000", "--max_conns", "5000000000 is too large (at most 4294967295)")]
    [InlineData("--bindmount=:/x", "--bindmount", "':/x' is not SRC[:DST]")]
    [InlineData("--env==v", "--env", "'=v' has no variable name")]
    public void BadFlagsNameTheFlag(string arg, string origin, string message)
    {
        var e = Assert.Throws<SpecException>(() => Parse(arg));
        Assert.Equal(origin, e.Origin);
        Assert.Equal(message, e.Message);
    }

    [Fact]
    public void HelpIsRecognisedAnywhere() => Assert.True(ArgParser.Parse(["-v", "--help"]).Help);
}
