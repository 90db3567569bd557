using System.Globalization;
using NsSandbox.Contract.Oci;

namespace NsSandbox.Core.Oci;

/// <summary>What `update` changes, with runc's meaning: 0 (or an empty cpuset) leaves a value as it is, -1 lifts
/// a limit (memory, swap, cpu quota, pids). It comes from runc's flags or from a resources JSON (`-r FILE|-`,
/// what containerd's shim sends); a field it cannot apply is refused by name, never dropped.</summary>
public sealed record ResourceUpdate
{
    public long MemoryLimit { get; init; }
    public long MemoryReservation { get; init; }
    /// <summary>Memory plus swap, as runc and cgroup v1 count it.</summary>
    public long MemorySwap { get; init; }
    public ulong CpuShares { get; init; }
    public long CpuQuota { get; init; }
    public ulong CpuPeriod { get; init; }
    public string? Cpus { get; init; }
    public string? Mems { get; init; }
    public long PidsLimit { get; init; }
    /// <summary>hugetlb limits by page size ("2MB"), in bytes; an update sets those it names.</summary>
    public IReadOnlyList<(string PageSize, ulong Limit)> Hugepages { get; init; } = NoHugepages;

    private static readonly (string, ulong)[] NoHugepages = [];

    public bool Empty => Hugepages.Count == 0 && this with { Hugepages = NoHugepages } == new ResourceUpdate();

    /// <summary>A resources object (runtime-spec LinuxResources). <paramref name="configDevices"/> are the rules
    /// config.json gave: the shim of a Kubernetes node sends them again, unchanged, with every update.</summary>
    public static ResourceUpdate FromJson(OciResources r, string origin, IReadOnlyList<OciDeviceRule>? configDevices)
    {
        var refused = new List<string>();
        void Refuse(bool present, string field) { if (present) refused.Add(field); }
        var m = r.Memory;
        var c = r.Cpu;
        Refuse(m?.Kernel is not (null or 0), "memory.kernel");
        Refuse(m?.KernelTCP is not (null or 0), "memory.kernelTCP");
        Refuse(m?.Swappiness is not null and not ulong.MaxValue, "memory.swappiness");
        Refuse(m?.DisableOOMKiller == true, "memory.disableOOMKiller");
        Refuse(m?.CheckBeforeUpdate == true, "memory.checkBeforeUpdate");
        Refuse(c?.RealtimeRuntime is not (null or 0) || c?.RealtimePeriod is not (null or 0), "cpu.realtimeRuntime/realtimePeriod");
        Refuse(c?.Burst is not (null or 0), "cpu.burst");
        Refuse(c?.Idle is not (null or 0), "cpu.idle");
        if (r.BlockIO is { } b)
            Refuse(b.Weight is > 0 || b.LeafWeight is > 0 || Set(b.WeightDevice) || Set(b.ThrottleReadBpsDevice) || Set(b.ThrottleWriteBpsDevice)
                || Set(b.ThrottleReadIOPSDevice) || Set(b.ThrottleWriteIOPSDevice), "blockIO");
        Refuse(Set(r.Network), "network");
        Refuse(Set(r.Rdma), "rdma");
        Refuse(r.Unified is { Count: > 0 }, "unified");
        // runc keeps a container's device rules whatever an update says; here an update may only repeat them.
        Refuse(r.Devices is { Count: > 0 } d && !d.SequenceEqual(configDevices ?? []), "devices (other than config.json's own rules)");
        if (refused.Count > 0) throw new SpecException(origin, $"update: not supported: {string.Join(", ", refused)} (docs/oci.md)");
        return new ResourceUpdate
        {
            MemoryLimit = Limit(m?.Limit, "memory.limit", origin),
            MemoryReservation = Limit(m?.Reservation, "memory.reservation", origin),
            MemorySwap = Limit(m?.Swap, "memory.swap", origin),
            CpuShares = c?.Shares ?? 0,
            CpuQuota = Limit(c?.Quota, "cpu.quota", origin),
            CpuPeriod = c?.Period ?? 0,
            Cpus = c?.Cpus is { Length: > 0 } cpus ? CpusetList.Check(cpus, "cpu.cpus", origin) : null,
            Mems = c?.Mems is { Length: > 0 } mems ? CpusetList.Check(mems, "cpu.mems", origin) : null,
            PidsLimit = Limit(r.Pids?.Limit, "pids.limit", origin),
            Hugepages = ContainerCgroup.HugepageLimits(r.HugepageLimits, "hugepageLimits", origin),
        };
    }

    /// <summary>runc's update flags, each with its value (`--memory 64m`); a flag that asks for what this runtime
    /// does not do is refused by name.</summary>
    public static ResourceUpdate FromFlags(IReadOnlyList<(string Flag, string Value)> flags)
    {
        var u = new ResourceUpdate();
        foreach (var (flag, value) in flags)
        {
            u = flag switch
            {
                "--memory" => u with { MemoryLimit = ParseMemory(value, flag) },
                "--memory-swap" => u with { MemorySwap = ParseMemory(value, flag) },
                "--memory-reservation" => u with { MemoryReservation = ParseMemory(value, flag) },
                "--cpu-share" or "--cpu-shares" => u with { CpuShares = ParseUnsigned(value, flag) },
                "--cpu-period" => u with { CpuPeriod = ParseUnsigned(value, flag) },
                "--cpu-quota" => u with { CpuQuota = CheckLimit(ParseInteger(value, flag), flag) },
                "--cpuset-cpus" => u with { Cpus = value.Length > 0 ? CpusetList.Check(value, flag, "update") : null },
                "--cpuset-mems" => u with { Mems = value.Length > 0 ? CpusetList.Check(value, flag, "update") : null },
                "--pids-limit" => u with { PidsLimit = CheckLimit(ParseInteger(value, flag), flag) },
                "--blkio-weight" or "--cpu-rt-period" or "--cpu-rt-runtime" when ParseInteger(value, flag) == 0 => u,
                "--blkio-weight" => throw new SpecException("update", $"{flag}: not supported: the container joins no blkio cgroup (docs/oci.md)"),
                "--cpu-rt-period" or "--cpu-rt-runtime" => throw new SpecException("update", $"{flag}: not supported: realtime cpu limits (docs/oci.md)"),
                "--l3-cache-schema" or "--mem-bw-schema" => throw new SpecException("update", $"{flag}: not supported: Intel RDT (docs/oci.md)"),
                _ => throw new SpecException("update", $"{flag}: unknown option"),
            };
        }
        return u;
    }

    private static long CheckLimit(long value, string flag) =>
        value >= -1 ? value : throw new SpecException("update", $"{flag}: {value} (0 keeps the limit, -1 lifts it)");

    /// <summary>runc's memory sizes: a number of bytes with an optional binary unit (k, m, g, t, p; "b", "ib"
    /// and a space allowed: 64m, 1.5g, 512 MiB), or -1 for unlimited.</summary>
    public static long ParseMemory(string text, string flag)
    {
        if (text == "-1") return -1;
        string t = text.Trim();
        int end = 0;
        while (end < t.Length && (char.IsAsciiDigit(t[end]) || t[end] == '.')) end++;
        string number = t[..end], unit = t[end..].TrimStart(' ').ToLowerInvariant();
        if (unit.EndsWith('b')) unit = unit[..^1];
        if (unit.EndsWith('i') && unit.Length == 2) unit = unit[..^1];
        int shift = unit switch { "" => 0, "k" => 10, "m" => 20, "g" => 30, "t" => 40, "p" => 50, _ => -1 };
        if (shift < 0 || number.Length == 0 || number[0] == '.' || number.Count(ch => ch == '.') > 1
            || !decimal.TryParse(number, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out decimal value))
            throw new SpecException("update", $"{flag}: '{text}' is not a size (bytes, or with k, m, g, t, p; -1 for unlimited)");
        decimal bytes = value * (1L << shift);
        if (bytes > long.MaxValue) throw new SpecException("update", $"{flag}: '{text}' is too large");
        return (long)bytes;
    }

    public static long ParseInteger(string text, string flag) =>
        long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long n)
            ? n : throw new SpecException("update", $"{flag}: '{text}' is not an integer");

    public static ulong ParseUnsigned(string text, string flag) =>
        ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out ulong n)
            ? n : throw new SpecException("update", $"{flag}: '{text}' is not a non-negative integer");

    private static long Limit(long? value, string field, string origin) => value switch
    {
        null => 0,
        < -1 => throw new SpecException(origin, $"update: {field}: {value} (a limit, 0 to keep it or -1 for none)"),
        _ => value.Value,
    };

    private static bool Set(System.Text.Json.JsonElement? e) => OciSupport.Set(e);
}
