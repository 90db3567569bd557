namespace NsSandbox.Client;

/// <summary>The run's cgroup (docs/usage.md, "Cgroups"). Any limit gives the run a cgroup of its own, and the
/// result then carries its figures (peak memory, CPU time, whether the OOM killer or the pids limit struck).</summary>
public sealed record CgroupOptions
{
    /// <summary><c>--cgroup_mem_max</c>: the memory limit in bytes (at least 1 MiB); the OOM killer ends the run.</summary>
    public ulong? MemoryMaxBytes { get; init; }

    /// <summary><c>--cgroup_mem_swap_max</c>: swap the cgroup may use besides its memory, in bytes;
    /// <see cref="CgroupLimits.UnlimitedSwap"/> for no swap limit.</summary>
    public ulong? MemorySwapMaxBytes { get; init; }

    /// <summary><c>--cgroup_mem_memsw_max</c>: memory plus swap, in bytes (nsjail's form of the swap limit; not
    /// with <see cref="MemorySwapMaxBytes"/>).</summary>
    public ulong? MemoryAndSwapMaxBytes { get; init; }

    /// <summary><c>--cgroup_pids_max</c>: processes and threads the cgroup may hold at once.</summary>
    public ulong? PidsMax { get; init; }

    /// <summary><c>--cgroup_cpu_ms_per_sec</c>: CPU time per second of wall time (200 = 20% of one CPU).</summary>
    public uint? CpuMsPerSecond { get; init; }

    /// <summary><c>--cgroup_version</c>: the interface for limits.</summary>
    public CgroupVersion? Version { get; init; }

    /// <summary><c>--cgroup_parent</c>: the cgroup path to create run cgroups under.</summary>
    public string? Parent { get; init; }

    /// <summary><c>--cgroupv2_mount</c>: where the cgroup v2 hierarchy is mounted.</summary>
    public string? V2Mount { get; init; }

    internal void AppendTo(LauncherArguments args)
    {
        args.Value("cgroup_mem_max", MemoryMaxBytes);
        args.Value("cgroup_mem_swap_max", MemorySwapMaxBytes == CgroupLimits.UnlimitedSwap ? "max"
            : MemorySwapMaxBytes?.ToString(System.Globalization.CultureInfo.InvariantCulture));
        args.Value("cgroup_mem_memsw_max", MemoryAndSwapMaxBytes);
        args.Value("cgroup_pids_max", PidsMax);
        args.Value("cgroup_cpu_ms_per_sec", CpuMsPerSecond);
        args.Value("cgroup_version", Version switch
        {
            null => null,
            CgroupVersion.V1 => "1",
            CgroupVersion.V2 => "2",
            _ => "auto",
        });
        args.Value("cgroup_parent", Parent);
        args.Value("cgroupv2_mount", V2Mount);
    }
}
