using System.Text.Json.Serialization;

namespace NsSandbox.Core.Oci;

/// <summary>One line of `events`: runc's JSON (type "stats" with data, or "oom"), field for field, so that tools
/// reading runc's events read these. A zero or empty value is left out where runc leaves it out.</summary>
public sealed record OciEvent(
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("data"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] OciStats? Data = null);

public sealed record OciStats
{
    [JsonPropertyName("cpu")] public OciCpuStats Cpu { get; init; } = new();
    [JsonPropertyName("cpuset")] public OciCpusetStats Cpuset { get; init; } = new();
    [JsonPropertyName("memory")] public OciMemoryStats Memory { get; init; } = new();
    [JsonPropertyName("pids")] public OciPidsStats Pids { get; init; } = new();
    /// <summary>The container joins no blkio, hugetlb or RDT cgroup and has no interfaces of the runtime's: empty,
    /// as runc reports them where it has none.</summary>
    [JsonPropertyName("blkio")] public Dictionary<string, ulong> Blkio { get; init; } = [];
    [JsonPropertyName("hugetlb")] public Dictionary<string, ulong> Hugetlb { get; init; } = [];
    [JsonPropertyName("intel_rdt")] public Dictionary<string, ulong> IntelRdt { get; init; } = [];
    [JsonPropertyName("network_interfaces")] public List<string>? NetworkInterfaces { get; init; }
}

public sealed record OciCpuStats
{
    [JsonPropertyName("usage")] public OciCpuUsage Usage { get; init; } = new();
    [JsonPropertyName("throttling")] public OciThrottling Throttling { get; init; } = new();
}

/// <summary>Nanoseconds.</summary>
public sealed record OciCpuUsage
{
    [JsonPropertyName("total"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] public ulong Total { get; init; }
    [JsonPropertyName("percpu"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public List<ulong>? Percpu { get; init; }
    [JsonPropertyName("percpu_kernel"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public List<ulong>? PercpuKernel { get; init; }
    [JsonPropertyName("percpu_user"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public List<ulong>? PercpuUser { get; init; }
    [JsonPropertyName("kernel")] public ulong Kernel { get; init; }
    [JsonPropertyName("user")] public ulong User { get; init; }
}

public sealed record OciThrottling
{
    [JsonPropertyName("periods"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] public ulong Periods { get; init; }
    [JsonPropertyName("throttledPeriods"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] public ulong ThrottledPeriods { get; init; }
    [JsonPropertyName("throttledTime"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] public ulong ThrottledTime { get; init; }
}

public sealed record OciCpusetStats
{
    [JsonPropertyName("cpus"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public List<ushort>? Cpus { get; init; }
    [JsonPropertyName("cpu_exclusive")] public ulong CpuExclusive { get; init; }
    [JsonPropertyName("mems"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public List<ushort>? Mems { get; init; }
    [JsonPropertyName("mem_hardwall")] public ulong MemHardwall { get; init; }
    [JsonPropertyName("mem_exclusive")] public ulong MemExclusive { get; init; }
    [JsonPropertyName("memory_migrate")] public ulong MemoryMigrate { get; init; }
    [JsonPropertyName("memory_spread_page")] public ulong MemorySpreadPage { get; init; }
    [JsonPropertyName("memory_spread_slab")] public ulong MemorySpreadSlab { get; init; }
    [JsonPropertyName("memory_pressure")] public ulong MemoryPressure { get; init; }
    [JsonPropertyName("sched_load_balance")] public ulong SchedLoadBalance { get; init; }
    [JsonPropertyName("sched_relax_domain_level")] public long SchedRelaxDomainLevel { get; init; }
}

public sealed record OciMemoryStats
{
    [JsonPropertyName("cache"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] public ulong Cache { get; init; }
    [JsonPropertyName("usage")] public OciMemoryEntry Usage { get; init; } = new();
    [JsonPropertyName("swap")] public OciMemoryEntry Swap { get; init; } = new();
    [JsonPropertyName("kernel")] public OciMemoryEntry Kernel { get; init; } = new();
    [JsonPropertyName("kernelTCP")] public OciMemoryEntry KernelTcp { get; init; } = new();
    [JsonPropertyName("raw"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public SortedDictionary<string, ulong>? Raw { get; init; }
}

public sealed record OciMemoryEntry
{
    [JsonPropertyName("limit")] public ulong Limit { get; init; }
    [JsonPropertyName("usage"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] public ulong Usage { get; init; }
    [JsonPropertyName("max"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] public ulong Max { get; init; }
    [JsonPropertyName("failcnt")] public ulong Failcnt { get; init; }
}

public sealed record OciPidsStats
{
    [JsonPropertyName("current"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] public ulong Current { get; init; }
    [JsonPropertyName("limit"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] public ulong Limit { get; init; }
}

[JsonSerializable(typeof(OciEvent))]
internal sealed partial class OciEventJsonContext : JsonSerializerContext;
