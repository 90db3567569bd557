using System.Text.RegularExpressions;
using NsSandbox.Core.Plan;
using NsSandbox.Core.Supervision;
using NsSandbox.Linux;

namespace NsSandbox.Core.Tests.Supervision;

/// <summary>Mode rerun through a fake stage 2: each run is a fresh sandbox (its own plan and run id), one line
/// and one report each; a run that cannot be set up does not stop the loop. The end-to-end tests run it for real.</summary>
public sealed class RerunSupervisorTests : IDisposable
{
    private readonly string _state = Directory.CreateTempSubdirectory("nss-rerun-test-").FullName;
    private readonly string _reports = Directory.CreateTempSubdirectory("nss-rerun-reports-").FullName;

    public void Dispose()
    {
        Directory.Delete(_state, recursive: true);
        Directory.Delete(_reports, recursive: true);
    }

    private List<string> Rerun(FakeSpawner spawner, int runs)
    {
        var spec = new SandboxSpec { Command = ["/bin/true"], StateDir = _state, Seccomp = new SeccompSpec { Disabled = true } };
        var host = new FakeHost { EffectiveUid = 0 };
        var checkedSpec = Planner.Prepare(spec, host);
        var log = new StringWriter();
        var supervisor = new RerunSupervisor(() => Planner.Create(checkedSpec, host, PlanOptions.Once), spawner, log, Verbosity.Normal, _reports);
        Assert.Equal(0, supervisor.Run(maxRuns: runs));
        Assert.Equal(runs, supervisor.Runs);
        return log.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).ToList();
    }

    [Fact]
    public void EachRunIsAFreshSandboxWithItsLineAndReport()
    {
        var spawner = new FakeSpawner(FakeStage2.ExecAndExit, exitCode: 5);
        var lines = Rerun(spawner, 3);
        Assert.Equal(3, lines.Count);
        Assert.All(lines, l => Assert.Matches(@"^nssandbox: run=\S+ end=exited status=5 wall=\S+s mem_peak=\S+$", l));
        var ids = lines.Select(l => Regex.Match(l, @"run=(\S+)").Groups[1].Value).ToList();
        Assert.Equal(3, ids.Distinct().Count());
        Assert.Equal(ids.Select(id => id + ".json").Order(), Directory.GetFiles(_reports).Select(Path.GetFileName).Order());
        Assert.Equal(3, spawner.Processes.Count);
        Assert.Equal(StdioFds.Inherit, spawner.Stdio); // the launcher's own stdio
        Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(_state, "runs")));
    }

    [Fact]
    public void ARunThatCannotBeSetUpIsALineAndTheLoopGoesOn()
    {
        var lines = Rerun(new FakeSpawner(FakeStage2.FailSetup), 2);
        Assert.Equal(2, lines.Count);
        Assert.All(lines, l => Assert.Contains("end=setup-error status=126", l));
    }
}
