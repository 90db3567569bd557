using NsSandbox.Linux;

namespace NsSandbox.Core.Plan;

/// <summary>What stage 2 is asked to do for one run, resolved in the parent from a spec and compiled into the
/// program the child of clone executes (SandboxBuilder): no decisions are left to code running inside the sandbox.</summary>
public sealed record Stage2Plan
{
    public required string RunId { get; init; }
    public required Namespaces Namespaces { get; init; }
    /// <summary>Host directory the skeleton root is mounted on, in the child's private mount namespace.</summary>
    public required string RootMountPoint { get; init; }
    public required IReadOnlyList<MountOp> MountOps { get; init; }
    public string? Hostname { get; init; }
    public required IReadOnlyList<RlimitOp> Rlimits { get; init; }
    /// <summary>personality(2) flags; 0 leaves the launcher's.</summary>
    public uint Personality { get; init; }
    public int? NiceLevel { get; init; }
    /// <summary>A cpu_set_t (whole 8-byte words) of the CPUs to run on; null leaves the launcher's affinity.</summary>
    public byte[]? CpuMask { get; init; }
    public bool DisableTsc { get; init; }
    /// <summary>Descriptors 0-2 (bit 0 is stdin) the command gets /dev/null on (--silent, --stderr_to_null).</summary>
    public uint NullFds { get; init; }
    public required uint Uid { get; init; }
    public required uint Gid { get; init; }
    /// <summary>Drop the launcher's supplementary groups (possible when the parent could allow setgroups).</summary>
    public required bool ClearGroups { get; init; }
    public required string Cwd { get; init; }
    public required IReadOnlyList<string> Argv { get; init; }
    /// <summary>Paths inside the sandbox to try for argv[0], in order (PATH resolved here); with
    /// <see cref="ExecuteFd"/>, the one host path to open before the mounts.</summary>
    public required IReadOnlyList<string> ExecCandidates { get; init; }
    /// <summary>nsjail's exec_fd: run the file opened on the host from its descriptor (execveat).</summary>
    public bool ExecuteFd { get; init; }
    public required IReadOnlyList<string> Env { get; init; }
    /// <summary>Mode once: the sandbox dies with its supervisor. Mode execve has none, and its parent (a shell,
    /// say) is no reason to die.</summary>
    public required bool DieWithParent { get; init; }
    /// <summary>Bring lo up in a new network namespace (not with --iface_no_lo).</summary>
    public bool LoopbackUp { get; init; } = true;
    /// <summary>Required: a plan without a filter says so (<see cref="SeccompProgram.None"/>), never by omission.</summary>
    public required SeccompProgram Seccomp { get; init; }
    /// <summary>Stage 2 waits for a start message after set-up, just before exec (a created container waits for
    /// its start).</summary>
    public bool AwaitStart { get; init; }
    /// <summary>--trace_timing: stage 2 sends its timestamps before it execs the target.</summary>
    public bool TraceTiming { get; init; }
}

/// <summary>One resolved rlimit: both values in the kernel's unit; ulong.MaxValue is RLIM_INFINITY.</summary>
public sealed record RlimitOp(RlimitResource Resource, ulong Soft, ulong Hard);

/// <summary>A uid_map/gid_map line: ids [Inside, Inside+Count) map to [Outside, Outside+Count).</summary>
public sealed record IdMap(uint Inside, uint Outside, uint Count)
{
    public static ReportIdMap ToReport(IdMap m) => new(m.Inside, m.Outside, m.Count);

    public override string ToString() => $"{Inside} {Outside} {Count}\n";
}
