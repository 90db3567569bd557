using System.Globalization;
using NsSandbox.Linux.Cgroups;

namespace NsSandbox.Core.Oci;

/// <summary>The figures `events` reports, read from the container's cgroup files as runc reads them: cpu time in
/// nanoseconds (cgroup v1's cpuacct.stat counts ticks of 1/100 s), memory in bytes with its limits, the process
/// count and the cpuset. What a file does not say is 0 (left out of the JSON where runc leaves it out).</summary>
public sealed partial record ContainerCgroup
{
    private const ulong NsPerTick = 10_000_000, NsPerUs = 1000;

    public OciStats Stats() => Version == 2 ? StatsV2(Dirs[""]) : StatsV1();

    /// <summary>How many times the kernel's OOM killer ended a process of the container.</summary>
    public ulong OomKills() => Version == 2
        ? CgroupFs.ReadKeyed(Path.Combine(Dirs[""], "memory.events")).GetValueOrDefault("oom_kill")
        : Dirs.TryGetValue("memory", out string? dir) ? CgroupFs.ReadKeyed(Path.Combine(dir, "memory.oom_control")).GetValueOrDefault("oom_kill") : 0;

    private OciStats StatsV1()
    {
        string? F(string controller, string file) => Dirs.TryGetValue(controller, out string? dir) ? Path.Combine(dir, file) : null;
        ulong Num(string controller, string file) => F(controller, file) is { } p ? CgroupFs.ReadNumber(p) ?? 0 : 0;
        var acct = F("cpuacct", "cpuacct.stat") is { } stat ? CgroupFs.ReadKeyed(stat) : [];
        var cpuStat = F("cpu", "cpu.stat") is { } cs ? CgroupFs.ReadKeyed(cs) : [];
        OciMemoryEntry Entry(string prefix) => new()
        {
            Limit = Num("memory", prefix + "limit_in_bytes"), Usage = Num("memory", prefix + "usage_in_bytes"),
            Max = Num("memory", prefix + "max_usage_in_bytes"), Failcnt = Num("memory", prefix + "failcnt"),
        };
        var raw = F("memory", "memory.stat") is { } ms ? new SortedDictionary<string, ulong>(CgroupFs.ReadKeyed(ms), StringComparer.Ordinal) : null;
        return new OciStats
        {
            Cpu = new OciCpuStats
            {
                Usage = new OciCpuUsage
                {
                    Total = Num("cpuacct", "cpuacct.usage"),
                    Percpu = Numbers(F("cpuacct", "cpuacct.usage_percpu")),
                    PercpuKernel = Numbers(F("cpuacct", "cpuacct.usage_percpu_sys")),
                    PercpuUser = Numbers(F("cpuacct", "cpuacct.usage_percpu_user")),
                    Kernel = acct.GetValueOrDefault("system") * NsPerTick,
                    User = acct.GetValueOrDefault("user") * NsPerTick,
                },
                Throttling = new OciThrottling
                {
                    Periods = cpuStat.GetValueOrDefault("nr_periods"), ThrottledPeriods = cpuStat.GetValueOrDefault("nr_throttled"),
                    ThrottledTime = cpuStat.GetValueOrDefault("throttled_time"),
                },
            },
            Cpuset = F("cpuset", "cpuset.cpus") is { } cpus ? new OciCpusetStats
            {
                Cpus = CpusetList.Expand(CgroupFs.TryRead(cpus) ?? ""),
                Mems = CpusetList.Expand(CgroupFs.TryRead(F("cpuset", "cpuset.mems")!) ?? ""),
                CpuExclusive = Num("cpuset", "cpuset.cpu_exclusive"), MemHardwall = Num("cpuset", "cpuset.mem_hardwall"),
                MemExclusive = Num("cpuset", "cpuset.mem_exclusive"), MemoryMigrate = Num("cpuset", "cpuset.memory_migrate"),
                MemorySpreadPage = Num("cpuset", "cpuset.memory_spread_page"), MemorySpreadSlab = Num("cpuset", "cpuset.memory_spread_slab"),
                MemoryPressure = Num("cpuset", "cpuset.memory_pressure"), SchedLoadBalance = Num("cpuset", "cpuset.sched_load_balance"),
                SchedRelaxDomainLevel = long.TryParse(CgroupFs.TryRead(F("cpuset", "cpuset.sched_relax_domain_level")!)?.Trim(), out long level) ? level : 0,
            } : new OciCpusetStats(),
            Memory = new OciMemoryStats
            {
                Cache = raw?.GetValueOrDefault("cache") ?? 0,
                Usage = Entry("memory."), Swap = Entry("memory.memsw."), Kernel = Entry("memory.kmem."), KernelTcp = Entry("memory.kmem.tcp."),
                Raw = raw,
            },
            Pids = new OciPidsStats { Current = Num("pids", "pids.current"), Limit = Num("pids", "pids.max") },
        };
    }

    private static OciStats StatsV2(string dir)
    {
        string P(string file) => Path.Combine(dir, file);
        ulong Num(string file) => CgroupFs.ReadNumber(P(file)) ?? 0;
        // "max" is no limit: runc reports the largest number.
        ulong Limit(string file) => CgroupFs.TryRead(P(file))?.Trim() == "max" ? ulong.MaxValue : Num(file);
        var cpu = CgroupFs.ReadKeyed(P("cpu.stat"));
        var events = CgroupFs.ReadKeyed(P("memory.events"));
        var raw = File.Exists(P("memory.stat")) ? new SortedDictionary<string, ulong>(CgroupFs.ReadKeyed(P("memory.stat")), StringComparer.Ordinal) : null;
        ulong memory = Num("memory.current"), swap = Num("memory.swap.current");
        ulong memoryLimit = Limit("memory.max"), swapLimit = Limit("memory.swap.max");
        return new OciStats
        {
            Cpu = new OciCpuStats
            {
                Usage = new OciCpuUsage
                {
                    Total = cpu.GetValueOrDefault("usage_usec") * NsPerUs,
                    Kernel = cpu.GetValueOrDefault("system_usec") * NsPerUs,
                    User = cpu.GetValueOrDefault("user_usec") * NsPerUs,
                },
                Throttling = new OciThrottling
                {
                    Periods = cpu.GetValueOrDefault("nr_periods"), ThrottledPeriods = cpu.GetValueOrDefault("nr_throttled"),
                    ThrottledTime = cpu.GetValueOrDefault("throttled_usec") * NsPerUs,
                },
            },
            Cpuset = File.Exists(P("cpuset.cpus.effective")) ? new OciCpusetStats
            {
                Cpus = CpusetList.Expand(CgroupFs.TryRead(P("cpuset.cpus.effective")) ?? ""),
                Mems = CpusetList.Expand(CgroupFs.TryRead(P("cpuset.mems.effective")) ?? ""),
            } : new OciCpusetStats(),
            Memory = new OciMemoryStats
            {
                Cache = raw?.GetValueOrDefault("file") ?? 0,
                Usage = new OciMemoryEntry { Limit = memoryLimit, Usage = memory, Max = Num("memory.peak"), Failcnt = events.GetValueOrDefault("max") },
                // Memory and swap together, as v1's memsw counts them (runc's conversion).
                Swap = new OciMemoryEntry
                {
                    Usage = memory + swap,
                    Limit = memoryLimit == ulong.MaxValue || swapLimit == ulong.MaxValue ? ulong.MaxValue : memoryLimit + swapLimit,
                },
                Raw = raw,
            },
            Pids = new OciPidsStats { Current = Num("pids.current"), Limit = Num("pids.max") },
        };
    }

    private static List<ulong>? Numbers(string? file)
    {
        if (file is null || CgroupFs.TryRead(file) is not { } text) return null;
        var list = new List<ulong>();
        foreach (string n in text.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            if (ulong.TryParse(n, NumberStyles.None, CultureInfo.InvariantCulture, out ulong v)) list.Add(v);
        return list.Count > 0 ? list : null;
    }
}
