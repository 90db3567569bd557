namespace NsSandbox.Linux.Cgroups;

/// <summary>A run's leaves in the v1 hierarchies (memory, pids, cpu, and cpuacct for the usage figure).</summary>
public sealed class CgroupV1 : IRunCgroup
{
    private readonly Dictionary<string, string> _leaves;
    private int[]? _tasksFds;

    public int Version => 1;
    public string Path => _leaves.GetValueOrDefault("memory") ?? _leaves.Values.First();
    public int CloneIntoFd => -1;

    private CgroupV1(Dictionary<string, string> leaves) => _leaves = leaves;

    /// <summary>Creates the leaves in each hierarchy the limits need, under <paramref name="parent"/> (a path
    /// from the hierarchy's root) or else under this process's own cgroup there.</summary>
    public static CgroupV1 Create(CgroupLayout layout, string? parent, string name, CgroupLimits limits, Action<string> recordLeaf)
    {
        var wanted = limits.Controllers.ToList();
        if (layout.V1Mounts.ContainsKey("cpuacct")) wanted.Add("cpuacct");
        var leaves = new Dictionary<string, string>();
        var run = new CgroupV1(leaves);
        try
        {
            foreach (string c in wanted.Distinct())
            {
                string under = (parent ?? layout.V1OwnPaths.GetValueOrDefault(c, "/")).TrimStart('/');
                string leaf = System.IO.Path.Combine(layout.V1Mounts[c], under, name);
                recordLeaf(leaf);
                Directory.CreateDirectory(leaf);
                leaves[c] = leaf;
            }
            if (limits.MemoryMax is { } mem)
            {
                CgroupFs.Write(System.IO.Path.Combine(leaves["memory"], "memory.limit_in_bytes"), mem.ToString());
                // v1 limits memory+swap together; v2's swap.max is swap alone.
                string memsw = System.IO.Path.Combine(leaves["memory"], "memory.memsw.limit_in_bytes");
                ulong swap = limits.MemorySwapMax ?? 0;
                if (File.Exists(memsw)) CgroupFs.Write(memsw, swap > ulong.MaxValue - mem ? "-1" : (mem + swap).ToString()); // -1: unlimited
            }
            if (limits.PidsMax is { } pids) CgroupFs.Write(System.IO.Path.Combine(leaves["pids"], "pids.max"), pids.ToString());
            if (limits.CpuMsPerSec is not null)
            {
                CgroupFs.Write(System.IO.Path.Combine(leaves["cpu"], "cpu.cfs_period_us"), CgroupLimits.CpuPeriodUs.ToString());
                CgroupFs.Write(System.IO.Path.Combine(leaves["cpu"], "cpu.cfs_quota_us"), limits.CpuQuotaUs.ToString());
            }
            return run;
        }
        catch
        {
            run.Dispose();
            throw;
        }
    }

    /// <summary>Opened on first use, closed on dispose: each leaf's `tasks` file, written "0" by the child.</summary>
    public IReadOnlyList<int> TasksFds
    {
        get
        {
            if (_tasksFds is not null) return _tasksFds;
            var fds = new List<int>(_leaves.Count);
            try
            {
                foreach (string leaf in _leaves.Values) fds.Add(CgroupFs.OpenForWriting(System.IO.Path.Combine(leaf, "tasks")));
            }
            catch
            {
                foreach (int fd in fds) CgroupFs.CloseDirectory(fd);
                throw;
            }
            return _tasksFds = fds.ToArray();
        }
    }

    public void Attach(int pid)
    {
        foreach (string leaf in _leaves.Values) CgroupFs.Write(System.IO.Path.Combine(leaf, "cgroup.procs"), pid.ToString());
    }

    public CgroupStats ReadStats()
    {
        string? mem = _leaves.GetValueOrDefault("memory");
        string? pids = _leaves.GetValueOrDefault("pids");
        string? acct = _leaves.GetValueOrDefault("cpuacct");
        return new CgroupStats(
            OomKilled: mem is not null && CgroupFs.ReadKeyed(System.IO.Path.Combine(mem, "memory.oom_control")).GetValueOrDefault("oom_kill") > 0,
            MemoryPeakBytes: mem is null ? null : CgroupFs.ReadNumber(System.IO.Path.Combine(mem, "memory.max_usage_in_bytes")),
            PidsLimitHit: pids is not null && CgroupFs.ReadKeyed(System.IO.Path.Combine(pids, "pids.events")).GetValueOrDefault("max") > 0,
            CpuUsageUsec: acct is null ? null : CgroupFs.ReadNumber(System.IO.Path.Combine(acct, "cpuacct.usage")) / 1000);
    }

    public void Dispose()
    {
        foreach (int fd in _tasksFds ?? []) CgroupFs.CloseDirectory(fd);
        _tasksFds = null;
        foreach (string leaf in _leaves.Values) CgroupLeaf.Remove(leaf);
    }
}
