namespace NsSandbox.Client.Tests;

/// <summary>Each way a run can end, through the real launcher, as its typed result.</summary>
public sealed class EndReasonTests : IDisposable
{
    private readonly TestSandbox _t = new();

    public void Dispose() => _t.Dispose();

    [Fact]
    public async Task AnExitCarriesTheCodeOutputAndFigures()
    {
        var r = await _t.Sh("echo out; echo err >&2; exit 3", cancellationToken: Ct);
        Assert.Equal((SandboxOutcome.Exited, 3, 3, (string?)null), (r.Outcome, r.ExitCode, r.LauncherExitCode, r.Message));
        Assert.Equal(("out\n", "err\n"), (r.StandardOutput.Text, r.StandardError.Text));
        Assert.False(r.Succeeded);
        Assert.True(r.WallTime > TimeSpan.Zero && r.PeakRssBytes > 0);
        Assert.Equal(["/bin/sh", "-c", "echo out; echo err >&2; exit 3"], r.Report!.Command);
        Assert.Equal(60, r.Report.Limits.TimeLimitSeconds);
    }

    [Fact]
    public async Task ASignalIsNamed()
    {
        // Without a pid namespace the shell is no init, which ignores signals it has no handler for.
        var r = await _t.Sh("kill -KILL $$", _t.Options with { DisabledNamespaces = Namespaces.Pid, DisableProc = true }, Ct);
        Assert.Equal((SandboxOutcome.Signaled, (int?)9, "SIGKILL", 137), (r.Outcome, r.Signal, r.SignalName, r.LauncherExitCode));
        Assert.Null(r.ExitCode);
    }

    [Fact]
    public async Task TheTimeLimitEndsTheWholeSandbox()
    {
        var r = await _t.Sh("sleep 30 & sleep 30", _t.Options with { TimeLimit = TimeSpan.FromMilliseconds(500) }, Ct);
        Assert.Equal((SandboxOutcome.TimedOut, ExitCodes.Timeout), (r.Outcome, r.LauncherExitCode));
        Assert.Equal("time limit of 0.5s reached; the sandbox was killed", r.Message);
        Assert.InRange(r.WallTime, TimeSpan.FromMilliseconds(400), TimeSpan.FromSeconds(20));
    }

    [Fact]
    public async Task ASeccompKillNamesTheCall()
    {
        var options = _t.Options with { Seccomp = new SeccompOptions { Policies = ["POLICY p { KILL { uname } } USE p DEFAULT ALLOW"] } };
        var r = await _t.Client.RunAsync(["/bin/uname"], options, Ct);
        Assert.Equal((SandboxOutcome.SeccompViolation, "SIGSYS"), (r.Outcome, r.SignalName));
        Assert.Equal("the command was killed for calling newuname (63)", r.Message);
        Assert.Equal("newuname", r.Report!.Seccomp!.Syscall);
    }

    [Fact]
    public async Task ASetupErrorCarriesTheLaunchersMessage()
    {
        var r = await _t.Client.RunAsync(["/bin/true"], _t.Options with { Mounts = [SandboxMount.ReadOnly("/nonexistent", "/x")] }, Ct);
        Assert.Equal((SandboxOutcome.SetupError, ExitCodes.Setup), (r.Outcome, r.LauncherExitCode));
        Assert.Equal("bind mount /nonexistent: No such file or directory", r.Message);
        Assert.Equal("bind mount", r.Report!.Error!.Step);
    }

    [Fact]
    public async Task ACommandNotFoundIsASetupErrorWith127()
    {
        var r = await _t.Client.RunAsync(["/does/not/exist"], _t.Options, Ct);
        Assert.Equal((SandboxOutcome.SetupError, ExitCodes.NotFound), (r.Outcome, r.LauncherExitCode));
        Assert.Contains("/does/not/exist", r.Message);
    }

    [Fact]
    public async Task ARefusedOptionIsAUsageErrorAndNothingRan()
    {
        var r = await _t.Client.RunAsync(["/bin/true"], _t.Options with { Cgroup = new CgroupOptions { CpuMsPerSecond = 2_000_000 } }, Ct);
        Assert.Equal((SandboxOutcome.UsageError, ExitCodes.Usage), (r.Outcome, r.LauncherExitCode));
        Assert.StartsWith("--cgroup_cpu_ms_per_sec: ", r.Message);
        Assert.Null(r.Report);
        Assert.Empty(_t.RunDirectories());
    }

    [Fact]
    public async Task TheOomKillerIsReportedWithTheCgroupsFigures()
    {
        Machine.RequireCgroup("memory");
        Machine.RequireFile("/usr/bin/python3");
        var options = _t.Options with { Cgroup = new CgroupOptions { MemoryMaxBytes = 64UL << 20 } };
        var r = await _t.Client.RunAsync(["/usr/bin/python3", "-c", "b = bytearray(200 * 1024 * 1024); print('survived')"], options, Ct);
        Assert.Equal((SandboxOutcome.OutOfMemory, (bool?)true, 137), (r.Outcome, r.OomKilled, r.LauncherExitCode));
        Assert.InRange(r.MemoryPeakBytes!.Value, 32UL << 20, 64UL << 20);
        Assert.Equal("", r.StandardOutput.Text);
    }
}
