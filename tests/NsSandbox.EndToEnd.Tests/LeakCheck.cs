using System.Diagnostics;

[assembly: AssemblyFixture(typeof(NsSandbox.EndToEnd.Tests.LeakCheck))]

namespace NsSandbox.EndToEnd.Tests;

/// <summary>After the whole suite: no mounts on the host mention the launcher, and no launcher process this
/// suite started still runs. The suite is the subreaper of its processes, so other suites running on the same
/// machine do not count. (Each test's Launcher checks its own per-run directories.)</summary>
public sealed class LeakCheck : IDisposable
{
    public LeakCheck() => Linux.Subreaper.Become();

    public void Dispose()
    {
        var mounts = File.ReadAllLines("/proc/self/mountinfo").Where(l => l.Contains("nssandbox") || l.Contains("nss-e2e")).ToList();
        var processes = Linux.Subreaper.LiveChildren("nssandbox").ToList();
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
        _nss.Run(["--bindmount", "/nonexistent:/x"], "/bin/true");
        _nss.Sh("sleep 20 & sleep 20", "--time_limit", "0.5");
        _nss.Run([], "/does/not/exist");
        Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(_nss.StateDir, "runs")));
        Assert.DoesNotContain(File.ReadAllLines("/proc/self/mountinfo"), l => l.Contains(_nss.StateDir));
        Assert.DoesNotContain(Process.GetProcessesByName("sleep"), p => IsSandboxed(p.Id) && Linux.Subreaper.IsOurs(p.Id));
    }

    [Fact]
    public void KilledSupervisorTakesTheSandboxAlongAndTheNextRunCleansUp()
    {
        Require.Root();
        var psi = new ProcessStartInfo(Launcher.BinaryPath) { UseShellExecute = false, RedirectStandardOutput = true };
        foreach (string a in new[] { "--state_dir", _nss.StateDir, "--", "/bin/sh", "-c", "sleep 60 & echo started; wait" })
            psi.ArgumentList.Add(a);
        using var launcher = Process.Start(psi)!;
        try
        {
            Assert.Equal("started", launcher.StandardOutput.ReadLine());
            // The sandbox's pid 1 is the launcher's child, the sleeper its child.
            int init = Children(launcher.Id).Single();
            using var sleep = Process.GetProcessById(Children(init).Single());
            launcher.Kill(); // SIGKILL: no cleanup code runs in the launcher
            launcher.WaitForExit();
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

    /// <summary>A process in another pid namespace than ours: one of a sandbox's.</summary>
    private static bool IsSandboxed(int pid)
    {
        try
        {
            return new FileInfo($"/proc/{pid}/ns/pid").LinkTarget != new FileInfo("/proc/self/ns/pid").LinkTarget;
        }
        catch (IOException)
        {
            return false;
        }
    }
}
