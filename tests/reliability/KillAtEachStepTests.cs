using System.Diagnostics;
using NsSandbox.EndToEnd.Tests;

namespace NsSandbox.Reliability.Tests;

/// <summary>SIGKILL to the launcher at each step of a launch: the launcher's test switch NSSANDBOX_TEST_STOP_AT
/// (docs/reliability.md) makes it stop itself right after the step named, exactly there, and the test kills it
/// while it is stopped. The sandbox must end with it, and the next launch in the same state directory, or
/// `nssandbox cleanup`, must leave nothing behind.</summary>
public sealed class KillAtEachStepTests : IDisposable
{
    private static readonly TimeSpan ReachStep = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan OrphansEnd = TimeSpan.FromSeconds(30);

    private readonly RunScope _scope = new();

    public void Dispose() => _scope.Dispose();

    /// <summary>The steps (--trace_timing's names) and what exists when the launcher stops after each: its run
    /// directory, its cgroup leaf, the sandbox's processes. The network steps are those of --net egress.</summary>
    public static readonly TheoryData<string, string> Steps = Cases();

    private static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (string step in new[] { "run dir and plan", "clone", "id maps", "network: egress filter", "network", "go sent", "channel closed (exec)", "target exited", "reaped", "cleaned up" })
        foreach (string recovery in new[] { "next launch", "cleanup" })
            data.Add(step, recovery);
        return data;
    }

    [Theory]
    [MemberData(nameof(Steps))]
    public void KilledAfterAStepTheLaunchLeavesNothingOnceRecovered(string step, string recovery)
    {
        Require.Cgroup("pids");
        bool network = step is "network: egress filter" or "network";
        if (network) Require.Egress();
        // Before the target has run (and while it runs) it would live a minute; the steps after its end need it
        // to end by itself.
        bool targetEnds = step is "target exited" or "reaped" or "cleaned up";
        string[] command = targetEnds ? ["/bin/true"] : ["/bin/sh", "-c", "sleep 60 & sleep 60"];
        var flags = _scope.Flags(cgroup: true);
        if (network) flags.AddRange(["--net", "egress"]);

        string seen;
        using (var launcher = Nss.Start([.. flags, "--", .. command], new Dictionary<string, string> { ["NSSANDBOX_TEST_STOP_AT"] = step }))
        {
            var stderr = launcher.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
            try
            {
                WaitUntilStopped(launcher, step, stderr);
                seen = Describe(launcher.Id);
                bool runDir = Directory.Exists(_scope.RunsDir) && Directory.GetDirectories(_scope.RunsDir).Length == 1;
                bool leaf = _scope.CgroupDirs.Any(d => Directory.GetDirectories(d).Length > 0);
                bool sandbox = ChildrenOf(launcher.Id).Count > 0;
                // Proof that the kill lands inside the launch: what each step has made and not yet removed.
                Assert.True(runDir == step is not "cleaned up", $"run directory at '{step}': {seen}");
                Assert.True(leaf == step is not ("run dir and plan" or "cleaned up"), $"cgroup leaf at '{step}': {seen}");
                if (step is "clone" or "id maps" or "network: egress filter" or "network" or "go sent" or "channel closed (exec)")
                    Assert.True(sandbox, $"no sandbox process at '{step}': {seen}");
            }
            finally
            {
                launcher.Kill(); // SIGKILL, also to a stopped process: no code of the launcher runs
                launcher.WaitForExitWithin(TimeSpan.FromSeconds(30));
            }
        }
        // The sandbox dies with its launcher (parent-death signal, or the channel closing before its go-ahead) and
        // the network helper with its exit pipe; init (here this process, their subreaper) reaps them.
        RunScope.AwaitOrphans(OrphansEnd);

        if (recovery == "next launch")
        {
            var next = Nss.Run([.. _scope.Flags(cgroup: true), "--", "/bin/true"]);
            Assert.True(next.ExitCode == 0, $"the next launch after a kill at '{step}' exited {next.ExitCode}: {next.Stderr}");
        }
        else
        {
            var cleanup = Nss.Run(["cleanup", "--state_dir", _scope.StateDir]);
            Assert.True(cleanup.ExitCode == 0, $"cleanup after a kill at '{step}' exited {cleanup.ExitCode}: {cleanup.Stderr}");
        }
        _scope.AssertNothingLeft($"a kill at '{step}' and the {recovery} ({seen})");
    }

    /// <summary>Until the launcher has stopped itself at the step; failing if it ends first (it never got there).</summary>
    private static void WaitUntilStopped(Process launcher, string step, Task<string> stderr)
    {
        var until = DateTime.UtcNow + ReachStep;
        while (Leftovers.State(launcher.Id) is not 'T')
        {
            if (launcher.HasExited)
                Assert.Fail($"the launcher ended (exit {launcher.ExitCode}) without reaching '{step}': {stderr.Result}");
            if (DateTime.UtcNow > until) Assert.Fail($"the launcher did not reach '{step}' within {ReachStep.TotalSeconds:0} s");
            Thread.Sleep(5);
        }
    }

    private string Describe(int launcher) =>
        $"run directories [{string.Join(", ", Directory.Exists(_scope.RunsDir) ? Directory.GetFileSystemEntries(_scope.RunsDir).Select(Path.GetFileName) : [])}], " +
        $"cgroup leaves [{string.Join(", ", _scope.CgroupDirs.SelectMany(Directory.GetDirectories))}], " +
        $"launcher's children [{string.Join(", ", ChildrenOf(launcher).Select(p => $"{p} ({EndToEnd.Tests.Linux.Subreaper.CommandName(p)})"))}]";

    private static List<int> ChildrenOf(int pid)
    {
        var children = new List<int>();
        foreach (string task in Directory.GetDirectories($"/proc/{pid}/task"))
        {
            try
            {
                children.AddRange(File.ReadAllText(Path.Combine(task, "children")).Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse));
            }
            catch (IOException)
            {
            }
        }
        return children;
    }
}
