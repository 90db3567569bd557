
namespace NsSandbox.Contract;

/// <summary>How the launcher relates to the sandbox: chosen by a front end, which hands the spec to that
/// mode's supervisor. Not part of the spec: nothing downstream of the front end asks for it.</summary>
public enum RunMode
{
    /// <summary>-Mo: a supervisor clones the sandbox, waits for it and reports.</summary>
    Once,
    /// <summary>-Me: the launcher process itself becomes the sandbox; nothing is left to supervise.</summary>
    Execve,
}

/// <summary>Everything a run asks for, from flags and config, validated as far as it can be without looking at
/// the host (the planner checks paths and names against the host). Immutable; the plan is made from it.</summary>
public sealed record SandboxSpec
{
    /// <summary>argv of the target; [0] is a path or a name looked up in the sandbox's PATH.</summary>
    public required IReadOnlyList<string> Command { get; init; }
    /// <summary>The host directory whose entries make the sandbox's root; null for an empty root that holds only
    /// what the sandbox provides and the mounts given (nsjail's root when a config binds no chroot).</summary>
    public string? Chroot { get; init; } = "/";
    public bool ReadWrite { get; init; }
    public Namespaces Namespaces { get; init; } = Defaults.Namespaces;
    public string Hostname { get; init; } = "nssandbox";
    /// <summary>A uid, or a name the planner looks up in the chroot's /etc/passwd.</summary>
    public string User { get; init; } = Defaults.NobodyName;
    /// <summary>A gid, or a name the planner looks up in the chroot's /etc/group.</summary>
    public string Group { get; init; } = Defaults.NobodyName;
    /// <summary>The user namespace's uid map beyond the sandbox's user, in order (--uid_mapping, nsjail's uidmap);
    /// empty maps the sandbox's user alone to the default outside id.</summary>
    public IReadOnlyList<IdMapSpec> UidMaps { get; init; } = [];
    public IReadOnlyList<IdMapSpec> GidMaps { get; init; } = [];
    public bool MountProc { get; init; } = true;
    /// <summary>Where the fresh /proc is mounted (nsjail's --proc_path).</summary>
    public string ProcPath { get; init; } = "/proc";
    /// <summary>The fresh /proc is writable (nsjail's --proc_rw); read-only by default.</summary>
    public bool ProcReadWrite { get; init; }
    public ulong TmpSizeBytes { get; init; } = Defaults.TmpSizeBytes;
    /// <summary>A host directory to mount at /data instead of a fresh per-run one.</summary>
    public string? DataDir { get; init; }
    public bool KeepData { get; init; }
    /// <summary>Where per-run state lives; null means the default for the launching user (the planner's choice).</summary>
    public string? StateDir { get; init; }
    public string Cwd { get; init; } = "/data";
    public IReadOnlyList<MountSpec> Mounts { get; init; } = [];
    public EnvSpec Env { get; init; } = new();
    public IReadOnlyList<RlimitSpec> Rlimits { get; init; } = Defaults.Rlimits;
    public TimeSpan? TimeLimit { get; init; }
    public CgroupSpec Cgroup { get; init; } = new();
    /// <summary>Where the JSON report goes: a file, "-" for stderr, or nowhere.</summary>
    public string? ReportPath { get; init; }
    public Verbosity Verbosity { get; init; } = Verbosity.Normal;
    public NetSpec Net { get; init; } = new();
    /// <summary>Print where the launch's time went (docs/benchmarks.md).</summary>
    public bool TraceTiming { get; init; }
    public SeccompSpec Seccomp { get; init; } = new();
    public ProcessSpec Process { get; init; } = new();
    /// <summary>Where the launcher's own messages go (--log, --log_fd); neither is stderr.</summary>
    public string? LogFile { get; init; }
    public int? LogFd { get; init; }
    /// <summary>Where each setting came from ("--chroot", "run.toml:3:10"), so that checks made later (the
    /// planner's against the host) name it as validation would.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public IReadOnlyDictionary<string, string> Origins { get; init; } = new Dictionary<string, string>();

    public string OriginOf(string setting, string fallback) => Origins.GetValueOrDefault(setting, fallback);
}

public enum Verbosity { Quiet, Normal, Verbose }

public enum MountType
{
    /// <summary>A host path (Source) bound at Target.</summary>
    Bind,
    /// <summary>A fresh tmpfs.</summary>
    Tmpfs,
    /// <summary>A read-only file made from Content (nsjail's <c>src_content</c>).</summary>
    File,
    /// <summary>A symlink at Target whose text is Source (nsjail's <c>is_symlink</c>, <c>--symlink</c>).</summary>
    Symlink,
    /// <summary>A fresh proc filesystem of the sandbox's pid namespace (another than the one at /proc).</summary>
    Proc,
}

/// <summary>One mount at Target inside the sandbox: a bind mount (Source set), a tmpfs (Source and Content null),
/// a read-only file made from Content, a symlink or a proc; <see cref="Type"/> says which. An optional mount
/// (nsjail's <c>mandatory: false</c>) is left out when its source does not exist or its mount point cannot be
/// made. Every mount is nosuid; a tmpfs is also always nodev.</summary>
public sealed record MountSpec(string? Source, string Target, bool ReadOnly, ulong TmpfsSizeBytes = 0, bool Optional = false,
    string? Content = null)
{
    public MountType Type { get; init; } = Content is not null ? MountType.File : Source is null ? MountType.Tmpfs : MountType.Bind;
    public bool IsTmpfs => Type == MountType.Tmpfs;
    public bool IsContent => Type == MountType.File;
    public bool NoExec { get; init; }
    public bool NoDev { get; init; }
    /// <summary>A tmpfs's nr_inodes (0 is unlimited, as the kernel takes it); null leaves the kernel's default.</summary>
    public ulong? TmpfsInodes { get; init; }
    /// <summary>The permission bits of a tmpfs's root; null is 1777.</summary>
    public uint? TmpfsMode { get; init; }
    /// <summary>The owner of a tmpfs's root (ids inside the sandbox); null is the sandbox's user and group.</summary>
    public uint? TmpfsUid { get; init; }
    public uint? TmpfsGid { get; init; }
    /// <summary>nsjail's <c>is_dir</c>: whether the mount point is a directory, when given (else it follows the source).</summary>
    public bool? IsDirectory { get; init; }
}

/// <summary>The target's environment: empty plus PATH and HOME unless KeepAll; then each entry in order.</summary>
public sealed record EnvSpec
{
    public bool KeepAll { get; init; }
    /// <summary>NAME=value sets; a null Value passes the host's variable through when it is set.</summary>
    public IReadOnlyList<EnvEntry> Entries { get; init; } = [];
}

public sealed record EnvEntry(string Name, string? Value);

public enum RlimitKind { Value, Infinity, Soft, Hard }

/// <summary>One rlimit; Value is in the resource's kernel unit (bytes, seconds or a count).</summary>
public sealed record RlimitSpec(RlimitResource Resource, RlimitKind Kind, ulong Value = 0);
