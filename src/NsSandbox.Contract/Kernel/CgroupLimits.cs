namespace NsSandbox.Contract;

/// <summary>The limits a run's cgroup enforces; null means not limited, except MemorySwapMax: with a memory limit
/// null is no swap, and <see cref="UnlimitedSwap"/> is no swap limit (nsjail's -1).</summary>
public sealed record CgroupLimits(ulong? MemoryMax, ulong? MemorySwapMax, ulong? PidsMax, uint? CpuMsPerSec)
{
    public const ulong UnlimitedSwap = ulong.MaxValue;

    public bool Any => MemoryMax is not null || MemorySwapMax is not null || PidsMax is not null || CpuMsPerSec is not null;

    /// <summary>The controllers these limits need (v2 names).</summary>
    public IReadOnlyList<string> Controllers =>
        new[] { (MemoryMax ?? MemorySwapMax) is not null ? "memory" : null, PidsMax is not null ? "pids" : null, CpuMsPerSec is not null ? "cpu" : null }
            .OfType<string>().ToList();

    /// <summary>The CPU period: one second, so the quota is the flag's milliseconds per second (as nsjail).</summary>
    public const uint CpuPeriodUs = 1_000_000;

    public ulong CpuQuotaUs => (ulong)(CpuMsPerSec ?? 0) * 1000;
}

/// <summary>What a run's cgroup saw.</summary>
public sealed record CgroupStats(bool OomKilled, ulong? MemoryPeakBytes, bool PidsLimitHit, ulong? CpuUsageUsec);
