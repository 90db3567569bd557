namespace NsSandbox.Linux.Cgroups;

/// <summary>A run's leaf in the unified (v2) hierarchy.</summary>
public sealed class CgroupV2 : IRunCgroup
{
    private int _fd;

    public int Version => 2;
    public string Path { get; }
    public int CloneIntoFd => _fd;

    private CgroupV2(string path, int fd)
    {
        Path = path;
        _fd = fd;
    }

    /// <summary>Creates parent/name with the limits. The parent must have the controllers enabled
    /// (<see cref="CgroupV2Parent"/>). <paramref name="recordLeaf"/> hears the path before it exists, so a
    /// supervisor that dies right after still leaves a trace of what to remove.</summary>
    public static CgroupV2 Create(string parent, string name, CgroupLimits limits, Action<string> recordLeaf)
    {
        string leaf = System.IO.Path.Combine(parent, name);
        recordLeaf(leaf);
        Directory.CreateDirectory(leaf);
        try
        {
            if (limits.MemoryMax is { } mem)
            {
                CgroupFs.Write(System.IO.Path.Combine(leaf, "memory.max"), mem.ToString());
                // An OOM kill takes the whole sandbox, not one process of it: a half-killed run is worse.
                CgroupFs.Write(System.IO.Path.Combine(leaf, "memory.oom.group"), "1");
            }
            if (limits.MemorySwapMax is { } swap && File.Exists(System.IO.Path.Combine(leaf, "memory.swap.max")))
                CgroupFs.Write(System.IO.Path.Combine(leaf, "memory.swap.max"), swap == CgroupLimits.UnlimitedSwap ? "max" : swap.ToString());
            // Without an explicit swap limit the memory limit would not stop a program that can swap.
            else if (limits.MemoryMax is not null && File.Exists(System.IO.Path.Combine(leaf, "memory.swap.max")))
                CgroupFs.Write(System.IO.Path.Combine(leaf, "memory.swap.max"), "0");
            if (limits.PidsMax is { } pids) CgroupFs.Write(System.IO.Path.Combine(leaf, "pids.max"), pids.ToString());
            if (limits.CpuMsPerSec is not null)
                CgroupFs.Write(System.IO.Path.Combine(leaf, "cpu.max"), $"{limits.CpuQuotaUs} {CgroupLimits.CpuPeriodUs}");
            return new CgroupV2(leaf, CgroupFs.OpenDirectory(leaf));
        }
        catch
        {
            CgroupLeaf.Remove(leaf);
            throw;
        }
    }

    public void Attach(int pid)
    {
    }

    public CgroupStats ReadStats()
    {
        var events = CgroupFs.ReadKeyed(System.IO.Path.Combine(Path, "memory.events"));
        var pids = CgroupFs.ReadKeyed(System.IO.Path.Combine(Path, "pids.events"));
        var cpu = CgroupFs.ReadKeyed(System.IO.Path.Combine(Path, "cpu.stat"));
        return new CgroupStats(
            OomKilled: events.GetValueOrDefault("oom_kill") > 0,
            MemoryPeakBytes: CgroupFs.ReadNumber(System.IO.Path.Combine(Path, "memory.peak")),
            PidsLimitHit: pids.GetValueOrDefault("max") > 0,
            CpuUsageUsec: cpu.TryGetValue("usage_usec", out ulong u) ? u : null);
    }

    public void Dispose()
    {
        if (_fd >= 0) CgroupFs.CloseDirectory(_fd);
        _fd = -1;
        CgroupLeaf.Remove(Path);
    }
}
