using System.Diagnostics;

[assembly: AssemblyFixture(typeof(NsSandbox.EndToEnd.Tests.LeakCheck))]

namespace NsSandbox.EndToEnd.Tests;

/// <summary>After the whole suite: no mount on the host names the suite's own directory (every state directory,
/// temp file and bind source of the suite is in it), and no launcher or sandboxed process this suite started
/// still runs. The suite is the subreaper of its processes, so other suites and launchers running on the same
/// machine do not count. (Each test's Launcher checks its own per-run directories and mounts.)</summary>
public sealed class LeakCheck : IDisposable
{
    public LeakCheck()
    {
        Linux.Subreaper.Become();
        _ = SuiteDirectory.Root;
    }

    public void Dispose()
    {
        var mounts = SuiteDirectory.MountsOfTheSuite();
        var processes = Linux.Subreaper.LiveDescendants()
            .Where(p => Linux.Subreaper.CommandName(p) == "nssandbox" || Linux.Subreaper.InOtherPidNamespace(p))
            .Select(p => $"{p} ({Linux.Subreaper.CommandName(p)})").ToList();
        // Never delete through a leaked mount: it may reach host files bound there.
        if (mounts.Count == 0) Directory.Delete(SuiteDirectory.Root, recursive: true);
        if (mounts.Count > 0 || processes.Count > 0)
            throw new InvalidOperationException($"leaks after the suite: mounts [{string.Join("; ", mounts)}], processes [{string.Join(", ", processes)}]");
    }
}

public sealed class NothingLeaksTests : IDisposable
{
    private readonly Launcher _nss = new();

    public void Dispose() => _nss.Dispose();

    [Fact]
    public void FailedAndTimedOutRunsLeaveNoDirectoryMountOrProcess()
    {
        Require.Root();
        // Every process of these runs, and only of these, carries the marker in its environment: the check looks
        // for it in every process of the machine, so it finds a process of these runs wherever it went (not only
        // below this one) and never one of another test's sandboxes running meanwhile.
        // The timed-out run's pid namespace is checked too, held open so that its number cannot be reused: no
        // process of the machine may be in it once the run is over, whatever its environment.
        string marker = "NSS_E2E_LEAK=" + Guid.NewGuid().ToString("N");
        string? pidNamespace = null;
        Microsoft.Win32.SafeHandles.SafeFileHandle? held = null;
        _nss.Run(["--env", marker, "--bindmount", "/nonexistent:/x"], "/bin/true");
        _nss.Run(["--env", marker], "/does/not/exist");
        using (var timedOut = _nss.Start(["--state_dir", _nss.StateDir, "--env", marker, "--time_limit", "10", "--",
                   "/bin/sh", "-c", "sleep 20 & echo started; sleep 20"]))
        {
            try
            {
                Assert.Equal("started", timedOut.StandardOutput.ReadLineWithin(TimeSpan.FromSeconds(60)));
                // The check sees the run's processes while they live (the shell and its sleepers)...
                var running = ProcessesWith(marker);
                Assert.True(running.Count >= 2, "the marker check does not see the running sandbox");
                held = File.OpenHandle($"/proc/{running[0]}/ns/pid");
                pidNamespace = new FileInfo($"/proc/{running[0]}/ns/pid").LinkTarget;
                Assert.True(Linux.Subreaper.InOtherPidNamespace(running[0]), "the run has no pid namespace of its own");
                Assert.Contains(running[0], ProcessesIn(pidNamespace!));
                timedOut.WaitForExitWithin(TimeSpan.FromSeconds(60));
            }
            finally
            {
                if (!timedOut.HasExited) timedOut.Kill();
            }
            Assert.Equal(124, timedOut.ExitCode);
        }
        Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(_nss.StateDir, "runs")));
        Assert.Empty(SuiteDirectory.MountsUnder(_nss.StateDir));
        // ...and none once the runs are over.
        Assert.Empty(ProcessesWith(marker));
        using (held) Assert.Empty(ProcessesIn(pidNamespace!));
    }

    /// <summary>Live processes of the machine in the pid namespace named <paramref name="ns"/> ("pid:[N]").</summary>
    private static List<int> ProcessesIn(string ns) => Directory.GetDirectories("/proc")
        .Select(d => int.TryParse(Path.GetFileName(d), out int pid) ? pid : 0)
        .Where(pid => pid > 0 && Linux.Subreaper.IsLive(pid) && PidNamespace(pid) == ns)
        .ToList();

    private static string? PidNamespace(int pid)
    {
        try
        {
            return new FileInfo($"/proc/{pid}/ns/pid").LinkTarget;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Live processes of the machine whose environment holds <paramref name="entry"/> (unique to a test).</summary>
    private static List<int> ProcessesWith(string entry) => Directory.GetDirectories("/proc")
        .Select(d => int.TryParse(Path.GetFileName(d), out int pid) ? pid : 0)
        .Where(pid => pid > 0 && Linux.Subreaper.IsLive(pid) && Linux.Subreaper.HasEnvironmentEntry(pid, entry))
        .ToList();

    [Fact]
    public void KilledSupervisorTakesTheSandboxAlongAndTheNextRunCleansUp()
    {
        Require.Root();
        using var launcher = _nss.Start(["--state_dir", _nss.StateDir, "--", "/bin/sh", "-c", "sleep 60 & echo started; wait"]);
        try
        {
            Assert.Equal("started", launcher.StandardOutput.ReadLineWithin(TimeSpan.FromSeconds(60)));
            // The sandbox's pid 1 is the launcher's child, the sleeper its child.
            int init = Children(launcher.Id).Single();
            using var sleep = Process.GetProcessById(Children(init).Single());
            launcher.Kill(); // SIGKILL: no cleanup code runs in the launcher
            launcher.WaitForExitWithin(TimeSpan.FromSeconds(30));
            Assert.True(sleep.WaitForExit(TimeSpan.FromSeconds(10)), "the sandbox outlived its supervisor");
        }
        finally
        {
            if (!launcher.HasExited) launcher.Kill();
        }
        Assert.Single(Directory.GetDirectories(Path.Combine(_nss.StateDir, "runs"))); // the dead run's directory
        Assert.Equal(0, _nss.Run([], "/bin/true").ExitCode);
        Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(_nss.StateDir, "runs")));
    }

    private static int[] Children(int pid) =>
        File.ReadAllText($"/proc/{pid}/task/{pid}/children").Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse).ToArray();
}
