
namespace NsSandbox.Contract;

/// <summary>Why a run ended; the report's "reason".</summary>
public static class EndReason
{
    public const string Exited = "exited";
    public const string Signaled = "signaled";
    public const string Timeout = "timeout";
    public const string SetupError = "setup-error";
    /// <summary>The seccomp filter killed the command (SIGSYS from a KILL action).</summary>
    public const string Seccomp = "seccomp";
    /// <summary>The cgroup's memory limit made the OOM killer end the command.</summary>
    public const string Oom = "oom";
}

/// <summary>The machine-readable result of one run (one JSON object, written with --report).</summary>
public sealed record RunReport
{
    public int Version { get; init; } = 1;
    public required string RunId { get; init; }
    public required IReadOnlyList<string> Command { get; init; }
    public required string Reason { get; init; }
    public int? ExitCode { get; init; }
    public int? Signal { get; init; }
    public string? SignalName { get; init; }
    /// <summary>The launcher's own exit status for this run (see README, "Exit status").</summary>
    public required int LauncherExitCode { get; init; }
    public double WallSeconds { get; init; }
    public double UserSeconds { get; init; }
    public double SysSeconds { get; init; }
    /// <summary>The largest resident set of the sandbox's processes (getrusage ru_maxrss).</summary>
    public long PeakRssBytes { get; init; }
    /// <summary>A signal the supervisor forwarded to the sandbox (from its own SIGINT/SIGTERM/SIGHUP).</summary>
    public string? ForwardedSignal { get; init; }
    public SetupError? Error { get; init; }
    /// <summary>The system call the seccomp filter killed the command for (reason "seccomp").</summary>
    public SeccompViolation? Seccomp { get; init; }
    /// <summary>--seccomp_log: the calls the policy would have killed, as the kernel logged them.</summary>
    public List<SeccompLoggedCall>? SeccompLogged { get; init; }
    /// <summary>The cgroup's figures (null when the run had no cgroup): whether the OOM killer killed a
    /// process, the memory high-water mark, whether a fork was refused by pids_max, CPU time used.</summary>
    public bool? OomKilled { get; init; }
    public ulong? MemoryPeakBytes { get; init; }
    public bool? PidsLimitHit { get; init; }
    public ulong? CpuUsageUsec { get; init; }
    public ReportCgroup? Cgroup { get; init; }
    /// <summary>--net egress: the names the sandbox looked up and the connections refused.</summary>
    public NetworkLog? NetworkLog { get; init; }
    /// <summary>Mode listen: the TCP connection the sandbox served.</summary>
    public ReportConnection? Connection { get; init; }
    public required ReportLimits Limits { get; init; }
    public required ReportSandbox Sandbox { get; init; }
}

public sealed record ReportLimits
{
    public double? TimeLimitSeconds { get; init; }
    public ulong TmpSizeBytes { get; init; }
    /// <summary>Resource name (as, cpu, ...) to the value set, soft = hard; null means unlimited.</summary>
    public required IReadOnlyDictionary<string, ulong?> Rlimits { get; init; }
    public ulong? CgroupMemMaxBytes { get; init; }
    public ulong? CgroupMemSwapMaxBytes { get; init; }
    public ulong? CgroupPidsMax { get; init; }
    public uint? CgroupCpuMsPerSec { get; init; }
}

/// <summary>Mode listen's connection: the client's address and port, the listener's, and whether the sandbox was
/// killed because its client was gone (the connection reset or closed both ways).</summary>
public sealed record ReportConnection(string Peer, string Local, bool? Disconnected = null);

/// <summary>One range of a user namespace's map: ids [inside, inside+count) are [outside, outside+count) on the host.</summary>
public sealed record ReportIdMap(uint Inside, uint Outside, uint Count);

/// <summary>The run's cgroup: the interface used (1 or 2) and its leaf (v1: the memory or first hierarchy's);
/// <paramref name="Delegated"/> when a launcher that is not root made it in the cgroup v2 subtree delegated to it.</summary>
public sealed record ReportCgroup(int Version, string Path, bool? Delegated = null);

public sealed record ReportSandbox
{
    public required uint Uid { get; init; }
    public required uint Gid { get; init; }
    /// <summary>The user namespace's uid and gid maps, as written to uid_map and gid_map; absent without one.</summary>
    public IReadOnlyList<ReportIdMap>? UidMap { get; init; }
    public IReadOnlyList<ReportIdMap>? GidMap { get; init; }
    public string? Hostname { get; init; }
    public required IReadOnlyList<string> Namespaces { get; init; }
    /// <summary>The host directory of the sandbox's root; absent for an empty root (only the mounts given).</summary>
    public string? Chroot { get; init; }
    public required bool ReadOnlyRoot { get; init; }
    /// <summary>The network mode: none, host, egress or macvlan.</summary>
    public required string Network { get; init; }
    /// <summary>The host directory behind /data, when it still exists after the run.</summary>
    public string? DataDir { get; init; }
    /// <summary>The seccomp policy in force: "default", a file, "--seccomp_string", or "none".</summary>
    public string? SeccompPolicy { get; init; }
    /// <summary>--seccomp_log: the policy's KILL actions were LOG.</summary>
    public bool? SeccompLog { get; init; }
}
