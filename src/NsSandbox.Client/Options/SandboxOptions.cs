namespace NsSandbox.Client;

/// <summary>The settings of a run: one property for each flag of the launcher (docs/usage.md), grouped as the
/// flags are. A null or false property leaves the flag out, so the profile's value, or else the launcher's
/// default, applies. Immutable: derive variants with <c>with</c>.</summary>
public sealed record SandboxOptions
{
    /// <summary>No options: the launcher's defaults.</summary>
    public static SandboxOptions Default { get; } = new();

    /// <summary><c>--config</c>: a TOML profile; every other option given here overrides it.</summary>
    public SandboxProfile? Profile { get; init; }

    /// <summary><c>--chroot</c>: the sandbox's root directory on the host (read-only unless
    /// <see cref="WritableRoot"/>).</summary>
    public string? Chroot { get; init; }

    /// <summary><c>--rw</c>: mount the chroot read-write.</summary>
    public bool WritableRoot { get; init; }

    /// <summary><c>--user</c>: a uid, or a name from the chroot's /etc/passwd.</summary>
    public string? User { get; init; }

    /// <summary><c>--group</c>: a gid, or a name from the chroot's /etc/group.</summary>
    public string? Group { get; init; }

    /// <summary><c>--uid_mapping</c>: uid ranges mapped into the sandbox besides its user; without a
    /// <see cref="User"/> the sandbox runs as the first range's inside id.</summary>
    public IReadOnlyList<IdMapping> UidMappings { get; init; } = [];

    /// <summary><c>--gid_mapping</c>: gid ranges, as <see cref="UidMappings"/>.</summary>
    public IReadOnlyList<IdMapping> GidMappings { get; init; } = [];

    /// <summary><c>--hostname</c>.</summary>
    public string? Hostname { get; init; }

    /// <summary><c>--cwd</c>: the working directory inside the sandbox.</summary>
    public string? WorkingDirectory { get; init; }

    /// <summary><c>--time_limit</c>: the wall-clock limit; the whole sandbox is killed when it passes.</summary>
    public TimeSpan? TimeLimit { get; init; }

    /// <summary><c>--quiet</c> or <c>--verbose</c>: what the launcher itself prints on standard error.</summary>
    public Verbosity? Verbosity { get; init; }

    /// <summary><c>--env</c>: variables to set; a null value passes the variable through from the environment of
    /// this process. Values appear on the launcher's command line, where the host's users can read them.</summary>
    public IReadOnlyDictionary<string, string?>? Environment { get; init; }

    /// <summary><c>--keep_env</c>: pass this process's whole environment to the command.</summary>
    public bool KeepEnvironment { get; init; }

    /// <summary><c>--disable_proc</c>: mount no fresh /proc.</summary>
    public bool DisableProc { get; init; }

    /// <summary><c>--proc_path</c>: where the fresh /proc is mounted (default /proc).</summary>
    public string? ProcPath { get; init; }

    /// <summary><c>--proc_rw</c>: mount the fresh /proc read-write (it is read-only by default).</summary>
    public bool ProcReadWrite { get; init; }

    /// <summary><c>--bindmount_ro</c>, <c>--bindmount</c> and <c>--tmpfsmount</c>, in order.</summary>
    public IReadOnlyList<SandboxMount> Mounts { get; init; } = [];

    /// <summary><c>--tmp_size</c>: the size of /tmp, /dev/shm and each tmpfs mount, in bytes.</summary>
    public ulong? TmpSizeBytes { get; init; }

    /// <summary><c>--data</c>: a host directory mounted at /data instead of a fresh one (sessions set it).</summary>
    public string? DataDirectory { get; init; }

    /// <summary><c>--keep_data</c>: keep the fresh /data after the run; the report names it.</summary>
    public bool KeepData { get; init; }

    /// <summary><c>--state_dir</c>: where the launcher keeps per-run directories.</summary>
    public string? StateDirectory { get; init; }

    /// <summary><c>--trace_timing</c>: the launcher prints how long each step of the launch took.</summary>
    public bool TraceTiming { get; init; }

    /// <summary>The command's process: <c>--exec_file</c>, <c>--silent</c>, <c>--stderr_to_null</c>,
    /// <c>--nice_level</c>, <c>--max_cpus</c>, <c>--disable_tsc</c>, <c>--persona_*</c>.</summary>
    public ProcessOptions Process { get; init; } = new();

    /// <summary>The system call filter: <c>--seccomp_policy</c>, <c>--seccomp_string</c>, <c>--seccomp_log</c>,
    /// <c>--disable_seccomp</c>.</summary>
    public SeccompOptions Seccomp { get; init; } = new();

    /// <summary>The run's cgroup: the <c>--cgroup_*</c> flags.</summary>
    public CgroupOptions Cgroup { get; init; } = new();

    /// <summary>The <c>--rlimit_*</c> flags, by resource.</summary>
    public IReadOnlyDictionary<RlimitResource, RlimitValue>? Rlimits { get; init; }

    /// <summary>The <c>--disable_clone_new*</c> flags: namespaces not to create. Disabling
    /// <see cref="Namespaces.Net"/> shares the host's network, as <see cref="NetMode.Host"/> does.</summary>
    public Namespaces DisabledNamespaces { get; init; }

    /// <summary>The network: <c>--net</c>, <c>--iface_no_lo</c>, <c>--net_*</c> and <c>--macvlan_*</c>.</summary>
    public NetworkOptions Network { get; init; } = new();
}
