using System.Globalization;
using NsSandbox.Linux;
using NsSandbox.Linux.Cgroups;

namespace NsSandbox.Core.Oci;

/// <summary>`update`: new limits for a container that exists, with runc's meaning (<see cref="ResourceUpdate"/>).
/// Memory goes first (the kernel refuses a limit below what the container uses, and nothing else is written
/// then), and on v1 memory and memory+swap are written in the order the kernel accepts (memory.limit_in_bytes
/// may not exceed memory.memsw.limit_in_bytes).</summary>
public sealed partial record ContainerCgroup
{
    public void Update(ResourceUpdate u, Action<string> say)
    {
        if (Version == 2) UpdateV2(Dirs[""], u, say);
        else UpdateV1(u);
    }

    private void UpdateV1(ResourceUpdate u)
    {
        string Dir(string controller, string field) => Dirs.TryGetValue(controller, out string? dir)
            ? dir : throw new OciException($"update: {field}: the container has no {controller} cgroup");
        if (u.MemoryLimit != 0 || u.MemorySwap != 0) UpdateMemoryV1(Dir("memory", "memory"), u.MemoryLimit, u.MemorySwap);
        if (u.MemoryReservation != 0) CgroupFs.Write(Path.Combine(Dir("memory", "memory.reservation"), "memory.soft_limit_in_bytes"), N(u.MemoryReservation));
        if (u.PidsLimit != 0) CgroupFs.Write(Path.Combine(Dir("pids", "pids.limit"), "pids.max"), u.PidsLimit > 0 ? N(u.PidsLimit) : "max");
        if (u.CpuShares != 0) CgroupFs.Write(Path.Combine(Dir("cpu", "cpu.shares"), "cpu.shares"), U(u.CpuShares));
        if (u.CpuPeriod != 0) CgroupFs.Write(Path.Combine(Dir("cpu", "cpu.period"), "cpu.cfs_period_us"), U(u.CpuPeriod));
        if (u.CpuQuota != 0) CgroupFs.Write(Path.Combine(Dir("cpu", "cpu.quota"), "cpu.cfs_quota_us"), N(u.CpuQuota));
        if (u.Cpus is { } cpus) CgroupFs.Write(Path.Combine(Dir("cpuset", "cpu.cpus"), "cpuset.cpus"), cpus);
        if (u.Mems is { } mems) CgroupFs.Write(Path.Combine(Dir("cpuset", "cpu.mems"), "cpuset.mems"), mems);
        ApplyHugetlb(u.Hugepages, "update", "hugepageLimits");
    }

    private static void UpdateMemoryV1(string dir, long limit, long swap)
    {
        string limitFile = Path.Combine(dir, "memory.limit_in_bytes"), memsw = Path.Combine(dir, "memory.memsw.limit_in_bytes");
        bool accountsSwap = File.Exists(memsw);
        if (limit == -1 && swap == 0) swap = -1; // unlimited memory takes swap with it, as with runc
        if (swap != 0 && !accountsSwap)
        {
            long effective = limit != 0 ? limit : (long)Math.Min(CgroupFs.ReadNumber(limitFile) ?? long.MaxValue, long.MaxValue);
            if (swap != -1 && swap > effective && HostHasSwap())
                throw new OciException("update: memory.swap: the kernel does not account swap (boot with swapaccount=1)");
            swap = 0; // nothing to limit: the kernel counts no swap here
        }
        // Raising: memory+swap first, so memory never exceeds it; lowering: memory first.
        bool swapFirst = swap != 0 && (swap == -1 || (CgroupFs.ReadNumber(limitFile) ?? 0) < (ulong)swap);
        if (swapFirst) CgroupFs.Write(memsw, N(swap));
        if (limit != 0) WriteMemoryLimit(dir, limitFile, limit);
        if (!swapFirst && swap != 0) CgroupFs.Write(memsw, N(swap));
    }

    private static void WriteMemoryLimit(string dir, string file, long limit)
    {
        int errno = CgroupFs.TryWrite(file, N(limit));
        if (errno == 0) return;
        if (errno == Errno.Busy)
            throw new OciException($"update: unable to set memory limit to {limit} (current usage: " +
                $"{CgroupFs.ReadNumber(Path.Combine(dir, "memory.usage_in_bytes"))}, peak usage: {CgroupFs.ReadNumber(Path.Combine(dir, "memory.max_usage_in_bytes"))})");
        throw new KernelException("write", $"{file} ({limit})", errno);
    }

    private static void UpdateV2(string dir, ResourceUpdate u, Action<string> say)
    {
        string Max(long n) => n == -1 ? "max" : N(n);
        void Write(string file, string value) => CgroupFs.Write(Path.Combine(dir, file), value);
        // Checked before anything is written: swap on v2 is swap alone, so it needs the memory limit.
        string? swapMax = null;
        if (u.MemorySwap == -1) swapMax = "max";
        else if (u.MemorySwap > 0)
        {
            long limit = u.MemoryLimit != 0 ? u.MemoryLimit
                : long.TryParse(CgroupFs.TryRead(Path.Combine(dir, "memory.max"))?.Trim(), out long current) ? current : -1;
            if (limit == -1) throw new OciException("update: memory.swap: unable to set a swap limit without a memory limit");
            if (u.MemorySwap < limit) throw new OciException($"update: memory.swap: {u.MemorySwap} is below the memory limit {limit} (it counts memory and swap)");
            swapMax = N(u.MemorySwap - limit);
        }
        else if (u.MemoryLimit == -1) swapMax = "max";
        if ((u.Cpus is not null || u.Mems is not null) && !File.Exists(Path.Combine(dir, "cpuset.cpus")))
        {
            string v2 = CgroupLayout.Read().V2Mount ?? throw new OciException("update: cpu.cpus: no cgroup v2 hierarchy is mounted");
            if (CgroupV2Parent.Unusable(v2, ["cpuset"]) is { } why) throw new OciException($"update: cpu.cpus/mems: {why}");
            EnableDown(v2, dir, ["cpuset"], say);
        }
        if (u.MemoryLimit != 0)
        {
            int errno = CgroupFs.TryWrite(Path.Combine(dir, "memory.max"), Max(u.MemoryLimit));
            if (errno != 0) throw new KernelException("write", $"{dir}/memory.max ({Max(u.MemoryLimit)})", errno);
        }
        if (swapMax is not null) Write("memory.swap.max", swapMax);
        if (u.MemoryReservation != 0) Write("memory.low", Max(u.MemoryReservation));
        if (u.PidsLimit != 0) Write("pids.max", u.PidsLimit > 0 ? N(u.PidsLimit) : "max");
        if (u.CpuShares != 0) Write("cpu.weight", N(SharesToWeight(u.CpuShares)));
        if (u.CpuQuota != 0 || u.CpuPeriod != 0)
        {
            // cpu.max holds both: the one not given keeps its value.
            var current = (CgroupFs.TryRead(Path.Combine(dir, "cpu.max")) ?? "max 100000").Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            string quota = u.CpuQuota != 0 ? Max(u.CpuQuota) : current[0];
            string period = u.CpuPeriod != 0 ? U(u.CpuPeriod) : current.Length > 1 ? current[1] : "100000";
            Write("cpu.max", $"{quota} {period}");
        }
        if (u.Cpus is { } cpus) Write("cpuset.cpus", cpus);
        if (u.Mems is { } mems) Write("cpuset.mems", mems);
        if (u.Hugepages.Count > 0)
        {
            // A container made without hugetlb limits may not have the controller yet.
            if (!Directory.EnumerateFiles(dir, "hugetlb.*").Any())
            {
                string v2 = CgroupLayout.Read().V2Mount ?? throw new OciException("update: hugepageLimits: no cgroup v2 hierarchy is mounted");
                if (CgroupV2Parent.Unusable(v2, Hugetlb) is { } why) throw new OciException($"update: hugepageLimits: {why}");
                EnableDown(v2, dir, Hugetlb, say);
            }
            Open(2, new Dictionary<string, string> { [""] = dir }).ApplyHugetlb(u.Hugepages, "update", "hugepageLimits");
        }
    }

    /// <summary>runc's conversion of cpu shares [2, 262144] to cgroup v2's weight [1, 10000].</summary>
    private static long SharesToWeight(ulong shares) => (long)(1 + (Math.Clamp(shares, 2, 262144) - 2) * 9999 / 262142);

    private static string U(ulong n) => n.ToString(CultureInfo.InvariantCulture);
}
