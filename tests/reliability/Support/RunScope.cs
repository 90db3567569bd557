using NsSandbox.EndToEnd.Tests;

namespace NsSandbox.Reliability.Tests;

/// <summary>The runs of one test and everything they could leave: their own state directory, a cgroup parent of
/// their own in every hierarchy a limit could use (so a leaf is found by looking under it, never by scanning the
/// machine), a working directory, and this process's children. <see cref="Leftovers"/> lists what is there
/// that should not be.</summary>
public sealed class RunScope : IDisposable
{
    private static int _count;
    private static readonly string[] Controllers = ["memory", "pids", "cpu", "cpuacct"];

    public string StateDir { get; } = SuiteDirectory.NewDirectory("state-");
    public string WorkDir { get; } = SuiteDirectory.NewDirectory("work-");
    /// <summary>The --cgroup_parent of these runs, a path from each hierarchy's root.</summary>
    public string CgroupParent { get; } = $"/nss-rel-{SuiteDirectory.Token}-{Interlocked.Increment(ref _count)}";
    /// <summary>The parent's directory in each cgroup hierarchy of the host.</summary>
    public IReadOnlyList<string> CgroupDirs { get; }

    public RunScope()
    {
        CgroupDirs = CgroupMounts().Select(m => Path.Combine(m, CgroupParent.TrimStart('/'))).ToList();
        foreach (string dir in CgroupDirs) Directory.CreateDirectory(dir);
    }

    public string RunsDir => Path.Combine(StateDir, "runs");

    /// <summary>--state_dir and, when <paramref name="cgroup"/>, a pids limit whose leaf goes under our parent.</summary>
    public List<string> Flags(bool cgroup = false, params string[] more)
    {
        var flags = new List<string> { "--state_dir", StateDir };
        if (cgroup) flags.AddRange(["--cgroup_parent", CgroupParent, "--cgroup_pids_max", "64"]);
        flags.AddRange(more);
        return flags;
    }

    /// <summary>Run directories, cgroup leaves, mounts naming our directories, live processes below this one and
    /// orphans nobody reaped.</summary>
    public List<string> Leftovers()
    {
        var found = new List<string>();
        if (Directory.Exists(RunsDir)) found.AddRange(Directory.GetFileSystemEntries(RunsDir).Select(e => "run directory " + e));
        foreach (string dir in CgroupDirs.Where(Directory.Exists))
            found.AddRange(Directory.GetDirectories(dir).Select(d => "cgroup " + d));
        found.AddRange(SuiteDirectory.MountsUnder(StateDir).Concat(SuiteDirectory.MountsUnder(WorkDir)).Select(m => "mount " + m));
        found.AddRange(Reliability.Tests.Leftovers.LiveProcesses().Select(p => "process " + p));
        found.AddRange(Reliability.Tests.Leftovers.ZombieOrphans().Select(p => $"unreaped orphan {p}"));
        return found;
    }

    /// <summary>Fails unless nothing is left; processes killed a moment ago may take <paramref name="grace"/> to go.</summary>
    public void AssertNothingLeft(string after, TimeSpan? grace = null)
    {
        var until = DateTime.UtcNow + (grace ?? TimeSpan.Zero);
        List<string> left;
        while ((left = Leftovers()).Count > 0 && DateTime.UtcNow < until) Thread.Sleep(20);
        Assert.True(left.Count == 0, $"left after {after}: {string.Join("; ", left)}");
    }

    /// <summary>Waits (bounded) until no process of ours runs any more, reaping the orphans that died, as init
    /// would for a launcher killed on a real host.</summary>
    public static void AwaitOrphans(TimeSpan timeout)
    {
        var until = DateTime.UtcNow + timeout;
        while (true)
        {
            Reliability.Tests.Leftovers.ReapOrphans();
            var live = Reliability.Tests.Leftovers.LiveProcesses();
            if (live.Count == 0)
            {
                Reliability.Tests.Leftovers.ReapOrphans(); // one that died since the first reap
                return;
            }
            if (DateTime.UtcNow > until) Assert.Fail($"processes outlived their killed launcher by {timeout.TotalSeconds:0} s: {string.Join(", ", live)}");
            Thread.Sleep(20);
        }
    }

    public void Dispose()
    {
        var mounts = SuiteDirectory.MountsUnder(StateDir).Concat(SuiteDirectory.MountsUnder(WorkDir)).ToList();
        foreach (string dir in CgroupDirs)
        {
            try
            {
                if (Directory.Exists(dir)) Directory.Delete(dir); // fails while a leaf is left in it: seen by the test
            }
            catch (IOException)
            {
            }
        }
        if (mounts.Count > 0) return; // never delete through a mount
        Directory.Delete(StateDir, recursive: true);
        Directory.Delete(WorkDir, recursive: true);
    }

    /// <summary>Where the host's cgroup hierarchies a run's limits may use are mounted: the v1 hierarchies of the
    /// memory, pids, cpu and cpuacct controllers, and the v2 hierarchy.</summary>
    private static List<string> CgroupMounts() => File.ReadAllLines("/proc/self/mountinfo")
        .Select(l => l.Split(' '))
        .Where(f => f.Length > 9)
        .Select(f => (Point: f[4], Fields: f[(Array.IndexOf(f, "-") + 1)..]))
        .Where(m => m.Fields[0] == "cgroup2" || (m.Fields[0] == "cgroup" && m.Fields[^1].Split(',').Any(Controllers.Contains)))
        .Select(m => m.Point).Distinct().ToList();
}
