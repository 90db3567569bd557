using System.Diagnostics;
using NsSandbox.Core.Plan;
using NsSandbox.Core.Supervision;
using NsSandbox.Linux;

namespace NsSandbox.Core.Tests.Supervision;

/// <summary>What the once supervisor decides (kill, reap, report) for each way stage 2 and the target can end,
/// through a fake spawner: no clone, no root. The end-to-end tests prove the real spawner agrees.</summary>
public sealed class OnceSupervisorTests : IDisposable
{
    private readonly string _state = Directory.CreateTempSubdirectory("nss-supervisor-test-").FullName;

    public void Dispose() => Directory.Delete(_state, recursive: true);

    private RunPlan Plan(Func<SandboxSpec, SandboxSpec>? change = null)
    {
        var spec = new SandboxSpec { Command = ["/bin/true"], StateDir = _state, Seccomp = new SeccompSpec { Disabled = true } };
        return TestPlans.For(change is null ? spec : change(spec), new FakeHost { EffectiveUid = 0 });
    }

    private static RunReport Run(RunPlan plan, FakeSpawner spawner)
    {
        var task = Task.Run(() => new OnceSupervisor(plan, spawner, TextWriter.Null).Run());
        Assert.True(task.Wait(TimeSpan.FromSeconds(30)), "the supervisor did not return");
        return task.Result;
    }

    private string[] RunDirectories() => Directory.Exists(Path.Combine(_state, "runs")) ? Directory.GetFileSystemEntries(Path.Combine(_state, "runs")) : [];

    [Fact]
    public void ATargetThatExitsIsReapedWithoutAKillAndReported()
    {
        var spawner = new FakeSpawner(FakeStage2.ExecAndExit, exitCode: 3);
        var report = Run(Plan(), spawner);
        Assert.Equal(EndReason.Exited, report.Reason);
        Assert.Equal(3, report.LauncherExitCode);
        Assert.Equal(["spawn", "id maps", "go received", "reap", "release"], spawner.Calls);
        Assert.Empty(RunDirectories());
    }

    [Fact]
    public void ASetupFailureIsReportedWithTheStepAndTheChildReaped()
    {
        var spawner = new FakeSpawner(FakeStage2.FailSetup);
        var report = Run(Plan(), spawner);
        Assert.Equal(EndReason.SetupError, report.Reason);
        Assert.Equal(ExitCodes.Setup, report.LauncherExitCode);
        Assert.Equal(Errno.NoEntry, report.Error!.Errno);
        Assert.Contains("reap", spawner.Calls);
        Assert.Empty(RunDirectories());
    }

    [Fact]
    public void AHelperFailingBeforeGoKillsAndReapsTheWaitingChildPromptly()
    {
        // Stage 2 waits for a "go" that never comes: without the kill, the reap would wait for ever.
        var spawner = new FakeSpawner(FakeStage2.Hang) { MapsFailure = new IOException("helper's stdin: Broken pipe") };
        var watch = Stopwatch.StartNew();
        var report = Run(Plan(), spawner);
        Assert.Equal(EndReason.SetupError, report.Reason);
        Assert.Equal("helper's stdin: Broken pipe", report.Error!.Message);
        Assert.Equal(["spawn", "id maps", "signal 9", "reap", "release"], spawner.Calls);
        Assert.DoesNotContain("go received", spawner.Calls);
        Assert.True(spawner.Process!.Exited);
        Assert.Empty(RunDirectories());
    }

    [Fact]
    public void AnUnexpectedExceptionStillKillsReapsAndCleansUpBeforeItSurfaces()
    {
        var spawner = new FakeSpawner(FakeStage2.Hang) { MapsFailure = new InvalidOperationException("a defect") };
        var task = Task.Run(() => new OnceSupervisor(Plan(), spawner, TextWriter.Null).Run());
        Assert.True(((IAsyncResult)task).AsyncWaitHandle.WaitOne(TimeSpan.FromSeconds(30)), "the supervisor blocked");
        Assert.IsType<InvalidOperationException>(task.Exception!.InnerException);
        Assert.Equal(["spawn", "id maps", "signal 9", "reap", "release"], spawner.Calls);
        Assert.Empty(RunDirectories());
    }

    [Fact]
    public void TheTimeLimitKillsATargetThatRunsOn()
    {
        var spawner = new FakeSpawner(FakeStage2.ExecAndHang);
        var report = Run(Plan(s => s with { TimeLimit = TimeSpan.FromMilliseconds(300) }), spawner);
        Assert.Equal(EndReason.Timeout, report.Reason);
        Assert.Equal(ExitCodes.Timeout, report.LauncherExitCode);
        Assert.Equal(["spawn", "id maps", "go received", "signal 9", "reap", "release"], spawner.Calls);
    }

    [Fact]
    public void TheTimeLimitAlsoCoversAStage2ThatNeverExecs()
    {
        var spawner = new FakeSpawner(FakeStage2.Hang);
        var report = Run(Plan(s => s with { TimeLimit = TimeSpan.FromMilliseconds(300) }), spawner);
        Assert.Equal(EndReason.Timeout, report.Reason);
        Assert.Contains("signal 9", spawner.Calls);
    }

    [Fact]
    public void ASignalBeforeTheCloneIsDeliveredRightAfterIt()
    {
        var spawner = new FakeSpawner(FakeStage2.ExecAndHang);
        var plan = Plan();
        using var launch = new SandboxLaunch(plan, spawner, new LaunchLog(TextWriter.Null, Verbosity.Normal));
        launch.Signal(ChildProcess.SigKill);
        launch.Start();
        Assert.Equal(["spawn", "signal 9"], spawner.Calls);
        var outcome = launch.Finish(kill: false);
        Assert.Equal(ChildProcess.SigKill, outcome.Exit!.Signal);
    }

    [Fact]
    public void TheReportComesFromThePlan()
    {
        var plan = Plan(s => s with { Hostname = "box", TimeLimit = TimeSpan.FromSeconds(5) });
        var report = Run(plan, new FakeSpawner(FakeStage2.ExecAndExit));
        Assert.Equal(plan.RunId, report.RunId);
        Assert.Equal("box", report.Sandbox.Hostname);
        Assert.Equal("none", report.Sandbox.SeccompPolicy);
        Assert.Equal(5, report.Limits.TimeLimitSeconds);
    }
}
