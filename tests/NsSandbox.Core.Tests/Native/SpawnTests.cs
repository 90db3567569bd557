namespace NsSandbox.Core.Tests.Native;

/// <summary>Real children through the shim (native/tests/nss_spawn_test.c, linked with the objects the binary
/// links): many at once from several threads, the await-start point, per-child stdio and die_with_parent. The
/// children get no namespaces and write only to the harness's pipes.</summary>
public sealed class SpawnTests(SpawnTests.Harness harness) : IClassFixture<SpawnTests.Harness>
{
    /// <summary>The harness, built once for the class (on first use, so that a test can skip first).</summary>
    public sealed class Harness : IDisposable
    {
        private readonly NativeTools.TempDir _dir = NativeTools.CreateTempDir();
        private readonly Lazy<string> _exe;

        public Harness() => _exe = new(() =>
        {
            string exe = Path.Combine(_dir.Path, "nss_spawn_test");
            NativeTools.Make(_dir.Path, exe);
            return exe;
        });

        public string Exe => _exe.Value;
        public void Dispose() => _dir.Dispose();
    }

    private string Run(params string[] args)
    {
        NativeTools.RequireTools("cc", "make");
        var (code, output) = NativeTools.Run(harness.Exe, args, TimeSpan.FromSeconds(150));
        if (code == 77) Assert.Skip(output.Trim());
        Assert.True(code == 0, output);
        return output;
    }

    [Fact]
    public void ChildrenSpawnedAtOnceFromSeveralThreadsEachRunTheirOwnProgram() =>
        Assert.Contains("each child ran its own program", Run("concurrent", "250"));

    [Fact]
    public void AwaitStartHoldsTheExecUntilTheStartMessage() => Run("await-start");

    [Fact]
    public void MakingAnEntryFollowsNoSymlinkOnTheWay() =>
        Assert.Contains("fail with ELOOP and touch nothing", Run("no-symlinks"));

    [Fact]
    public void OneSocketServesAsStdinStdoutAndStderr() => Run("stdio");

    [Fact]
    public void AStdioDescriptorThatCannotBePlacedIsReportedAsItsStep() => Run("bad-fd");

    [Theory]
    [InlineData("1", "killed with its parent")]
    [InlineData("0", "outlived its parent")]
    public void DieWithParentDecidesWhetherTheChildOutlivesTheSpawningProcess(string dies, string expected) =>
        Assert.Contains(expected, Run("die-with-parent", dies));

    [Theory]
    [InlineData("1", "no exec without its parent")]
    [InlineData("0", "exec'd without its parent")]
    public void DieWithParentDecidesWhetherAClosedChannelStopsTheExec(string dies, string expected) =>
        Assert.Contains(expected, Run("parent-gone", dies));

    [Fact]
    public void ModeExecveNamesTheMapFileAndErrnoThatFailed()
    {
        // The harness links nss_execve_stage.o: its constructor acts on this argv as the launcher's would.
        const string CloneNewUser = "0x10000000";
        NativeTools.RequireTools("cc", "make");
        var (code, output) = NativeTools.Run(harness.Exe, ["__execve_stage", "0", CloneNewUser, "not a map", "0 0 1", "deny"],
            TimeSpan.FromSeconds(30));
        if (output.Contains("nssandbox: unshare:")) Assert.Skip($"no new user namespace here: {output.Trim()}");
        Assert.Equal(NsSandbox.Contract.ExitCodes.Setup, code);
        Assert.Equal("nssandbox: write uid_map: Invalid argument", output.Trim());
    }
}
