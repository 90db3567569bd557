
namespace NsSandbox.Contract;

/// <summary>The mutable side of a spec, which every front end fills through these typed setters: flags (and
/// config files) are applied to it in order, each remembering its origin for error messages; <see cref="Build"/>
/// validates and freezes it. It reads nothing of the host: the planner checks paths and names.</summary>
public sealed class SpecBuilder
{
    private readonly Dictionary<string, string> _origins = new();

    /// <summary>The front end's choice of supervisor; it constrains the spec (<see cref="Build"/>) but is not part of it.</summary>
    public RunMode Mode { get; set; } = RunMode.Once;
    public List<string> Command { get; } = [];
    /// <summary>"" (or null) for an empty root: see <see cref="SandboxSpec.Chroot"/>.</summary>
    public string? Chroot { get; set; } = "/";
    public bool ReadWrite { get; set; }
    public Namespaces Namespaces { get; set; } = Defaults.Namespaces;
    public string Hostname { get; set; } = "nssandbox";
    /// <summary>The sandbox's user as given (--user); null takes the first uid map's inside id, else nobody.</summary>
    public string? User { get; set; }
    public string? Group { get; set; }
    public List<IdMapSpec> UidMaps { get; } = [];
    public List<IdMapSpec> GidMaps { get; } = [];
    public bool MountProc { get; set; } = true;
    public string ProcPath { get; set; } = "/proc";
    public bool ProcReadWrite { get; set; }
    public ulong TmpSizeBytes { get; set; } = Defaults.TmpSizeBytes;
    public string? DataDir { get; set; }
    public bool KeepData { get; set; }
    public string? StateDir { get; set; }
    public string Cwd { get; set; } = "/data";
    public List<MountSpec> Mounts { get; } = [];
    public bool KeepEnv { get; set; }
    public List<EnvEntry> Env { get; } = [];
    public Dictionary<RlimitResource, RlimitSpec> Rlimits { get; } = Defaults.Rlimits.ToDictionary(r => r.Resource);
    public TimeSpan? TimeLimit { get; set; }
    public string? ReportPath { get; set; }
    public string? ReportDir { get; set; }
    /// <summary>Mode listen's settings: like <see cref="Mode"/>, the front end's, made by <see cref="BuildListen"/>.</summary>
    public int ListenPort { get; set; }
    public string BindHost { get; set; } = ListenDefaults.BindHost;
    public uint MaxConns { get; set; }
    public uint MaxConnsPerIp { get; set; }
    public Verbosity Verbosity { get; set; } = Verbosity.Normal;
    public bool TraceTiming { get; set; }
    public string? SeccompPolicyFile { get; set; }
    public List<string> SeccompStrings { get; } = [];
    public string? SeccompOciFile { get; set; }
    public bool SeccompLog { get; set; }
    public bool DisableSeccomp { get; set; }
    /// <summary>Without a policy file or string, no filter rather than the built-in default (invoked as nsjail).</summary>
    public bool NoDefaultSeccompPolicy { get; set; }
    public ulong? CgroupMemMax { get; set; }
    /// <summary>Swap besides memory; ulong.MaxValue is unlimited (nsjail's -1).</summary>
    public ulong? CgroupMemSwapMax { get; set; }
    /// <summary>Memory plus swap (nsjail's cgroup_mem_memsw_max): the swap limit is this less the memory limit.</summary>
    public ulong? CgroupMemMemswMax { get; set; }
    public ulong? CgroupPidsMax { get; set; }
    public uint? CgroupCpuMsPerSec { get; set; }
    public CgroupVersion CgroupVersion { get; set; } = CgroupVersion.Auto;
    public string? CgroupParent { get; set; }
    public string? CgroupV2Mount { get; set; }
    public NetSettings Net { get; } = new();
    public int? NiceLevel { get; set; }
    public uint MaxCpus { get; set; }
    public Persona Personality { get; set; }
    public bool DisableTsc { get; set; }
    public bool Silent { get; set; }
    public bool StderrToNull { get; set; }
    public string? ExecFile { get; set; }
    public bool ExecuteFd { get; set; }
    public string? LogFile { get; set; }
    public int? LogFd { get; set; }

    /// <summary>Records where a setting came from, so validation can point at it.</summary>
    public void NoteOrigin(string setting, string origin) => _origins[setting] = origin;

    private string Origin(string setting, string fallback) => _origins.GetValueOrDefault(setting, fallback);

    /// <param name="commandOptional">for checking a configuration on its own, which need not name a command.</param>
    public SandboxSpec Build(bool commandOptional = false)
    {
        if (Command.Count == 0 && !commandOptional)
            throw new SpecException("command", "no command to run; give it after -- (e.g. nssandbox -- /bin/echo hi)");
        if (Command.Count > 0 && Command[0].Length == 0) throw new SpecException("command", "the command's path is empty");

        var net = Net.Build(Mode);
        Namespaces = net.Mode == NetMode.Host ? Namespaces & ~Namespaces.Net : Namespaces | Namespaces.Net;
        string? chroot = string.IsNullOrEmpty(Chroot) ? null : HostPath.Full(Chroot, Origin("chroot", "--chroot"));
        if (!Namespaces.HasFlag(Namespaces.Mount))
            throw new SpecException(Origin("namespaces", "--disable_clone_newns"),
                "the mount namespace cannot be disabled: the sandbox's filesystem is built in it");
        if (TimeLimit is { } t && t <= TimeSpan.Zero) TimeLimit = null; // 0 is none (as in default.toml)
        CheckModeSettings();
        if (Mode == RunMode.Execve && MountProc)
            throw new SpecException(Origin("mode", "--mode"),
                "mode execve cannot mount a fresh /proc (the launcher is not inside the new pid namespace); add --disable_proc");
        if (Mode == RunMode.Execve)
        {
            // A time limit asked for cannot be enforced without a supervisor; nsjail's default one is dropped,
            // as nsjail's mode execve does.
            if (TimeLimit is not null && _origins.TryGetValue("time_limit", out string? limitOrigin))
                throw new SpecException(limitOrigin, "mode execve has no supervisor to enforce a time limit; use mode once (-Mo)");
            TimeLimit = null;
            if (ReportPath is not null || ReportDir is not null)
                throw new SpecException(ReportPath is not null ? "--report" : "--report_dir", "mode execve has no supervisor to write a report; use mode once (-Mo)");
            if (TraceTiming)
                throw new SpecException("--trace_timing", "mode execve has no supervisor to collect the timing; use mode once (-Mo)");
            if (KeepData)
                throw new SpecException("--keep_data", "mode execve's /data is a tmpfs that ends with the sandbox; give a host directory with --data");
            if (CgroupMemMax is not null || CgroupMemSwapMax is not (null or ulong.MaxValue) || CgroupMemMemswMax is not null || CgroupPidsMax is not null || CgroupCpuMsPerSec is not null)
                throw new SpecException(Origin("cgroup", "--cgroup_mem_max"),
                    "mode execve has no supervisor to create and remove a cgroup; use mode once (-Mo)");
            // A process never enters the pid namespace it creates (only its children do), and the launcher is
            // the sandbox here: see docs/usage.md, "Modes".
            Namespaces &= ~Namespaces.Pid;
        }
        if (MountProc && !Namespaces.HasFlag(Namespaces.Pid))
            throw new SpecException(Origin("namespaces", "--disable_clone_newpid"),
                "a fresh /proc needs a new pid namespace; add --disable_proc as well");
        if (Mounts.FindIndex(m => m.Type == MountType.Proc) is var proc and >= 0)
        {
            if (Mode == RunMode.Execve)
                throw new SpecException(Origin($"mount{proc}", "--mount"), "mode execve cannot mount a fresh proc (the launcher is not inside the new pid namespace)");
            if (!Namespaces.HasFlag(Namespaces.Pid))
                throw new SpecException(Origin($"mount{proc}", "--mount"), "a fresh proc needs a new pid namespace");
        }
        if (!ProcPath.StartsWith('/') || Path.GetFullPath(ProcPath) is "/" or "/dev")
            throw new SpecException(Origin("proc_path", "--proc_path"), $"{ProcPath} is not a place for /proc (an absolute path other than / and /dev)");
        if (Hostname.Length is 0 or > 64)
            throw new SpecException(Origin("hostname", "--hostname"), "a hostname has 1 to 64 characters");
        if (string.IsNullOrWhiteSpace(Hostname)) throw new SpecException(Origin("hostname", "--hostname"), "the hostname is blank");
        if (!Cwd.StartsWith('/')) throw new SpecException(Origin("cwd", "--cwd"), Cwd.Length == 0 ? "expects a directory; the value is empty" : $"{Cwd} is not an absolute path");

        if (DisableSeccomp && (SeccompPolicyFile is not null || SeccompStrings.Count > 0 || SeccompOciFile is not null || SeccompLog))
            throw new SpecException(Origin("disable_seccomp", "--disable_seccomp"), "cannot be combined with --seccomp_policy, --seccomp_string, --seccomp_oci or --seccomp_log");
        if (SeccompOciFile is not null && (SeccompPolicyFile is not null || SeccompStrings.Count > 0))
            throw new SpecException(Origin("seccomp_oci", "--seccomp_oci"),
                "cannot be combined with --seccomp_policy or --seccomp_string: the OCI profile is the whole filter");

        string? dataDir = HostPath.FullOrNull(DataDir, Origin("data", "--data"));
        if (User?.Length == 0) throw new SpecException(Origin("user", "--user"), "the user is empty");
        if (Group?.Length == 0) throw new SpecException(Origin("group", "--group"), "the group is empty");
        if (!Namespaces.HasFlag(Namespaces.User) && (UidMaps.Count > 0 || GidMaps.Count > 0))
            throw new SpecException((UidMaps.Count > 0 ? UidMaps[0] : GidMaps[0]).Origin,
                "id maps need a user namespace; without one the sandbox's ids are the host's");
        if (ExecFile?.Length == 0) throw new SpecException(Origin("exec_file", "--exec_file"), "the file to execute is empty");
        if (ExecFile is { } exec && string.IsNullOrWhiteSpace(exec)) throw new SpecException(Origin("exec_file", "--exec_file"), "the file to execute is blank");
        // Checked, and kept as given: the report is written relative to where the launcher was started.
        if (ReportPath is not (null or "-")) HostPath.Full(ReportPath, Origin("report", "--report"));

        var mounts = Mounts.Select(ValidateMount).ToList();
        CheckDevMount(mounts, i => Origin($"mount{i}", "--bindmount"));

        return new SandboxSpec
        {
            Command = Command.ToList(),
            Chroot = chroot,
            ReadWrite = ReadWrite,
            Namespaces = Namespaces,
            Hostname = Hostname,
            // nsjail's rule: without a user of its own, the sandbox runs as the first mapping's inside id.
            User = User ?? (UidMaps.Count > 0 ? UidMaps[0].Inside : Defaults.NobodyName),
            Group = Group ?? (GidMaps.Count > 0 ? GidMaps[0].Inside : Defaults.NobodyName),
            UidMaps = UidMaps.ToList(),
            GidMaps = GidMaps.ToList(),
            MountProc = MountProc,
            ProcPath = Path.GetFullPath(ProcPath),
            ProcReadWrite = ProcReadWrite,
            TmpSizeBytes = TmpSizeBytes,
            DataDir = dataDir,
            KeepData = KeepData,
            StateDir = HostPath.FullOrNull(StateDir, Origin("state_dir", "--state_dir")),
            Cwd = Cwd,
            Mounts = mounts,
            Env = new EnvSpec { KeepAll = KeepEnv, Entries = Env.ToList() },
            Rlimits = Rlimits.Values.OrderBy(r => r.Resource).ToList(),
            TimeLimit = TimeLimit,
            Cgroup = BuildCgroup(),
            ReportPath = ReportPath,
            ReportDir = HostPath.FullOrNull(ReportDir, Origin("report_dir", "--report_dir")),
            Verbosity = Verbosity,
            Net = net,
            TraceTiming = TraceTiming,
            Seccomp = new SeccompSpec
            {
                PolicyFile = HostPath.FullOrNull(SeccompPolicyFile, Origin("seccomp_policy", "--seccomp_policy")),
                PolicyStrings = SeccompStrings.ToList(),
                OciProfile = HostPath.FullOrNull(SeccompOciFile, Origin("seccomp_oci", "--seccomp_oci")),
                Log = SeccompLog,
                Disabled = DisableSeccomp || (NoDefaultSeccompPolicy && SeccompPolicyFile is null && SeccompStrings.Count == 0 && SeccompOciFile is null),
            },
            Process = new ProcessSpec
            {
                NiceLevel = NiceLevel,
                MaxCpus = MaxCpus,
                Personality = Personality,
                DisableTsc = DisableTsc,
                Silent = Silent,
                StderrToNull = StderrToNull,
                ExecFile = ExecFile,
                ExecuteFd = ExecuteFd,
            },
            LogFile = HostPath.FullOrNull(LogFile, Origin("log", "--log")),
            LogFd = LogFd,
            Origins = new Dictionary<string, string>(_origins),
        };
    }

    /// <summary>Mode listen's settings, checked; null in any other mode.</summary>
    public ListenSpec? BuildListen()
    {
        if (Mode != RunMode.Listen) return null;
        if (ListenPort is < 0 or > 65535)
            throw new SpecException(Origin("port", "--port"), $"{ListenPort} is not a TCP port (0 to 65535; 0 lets the kernel choose)");
        return new ListenSpec
        {
            Port = ListenPort,
            BindHost = ListenDefaults.ParseAddress(BindHost) ?? throw new SpecException(Origin("bindhost", "--bindhost"),
                $"'{BindHost}' is not an IP address (such as ::, 0.0.0.0 or 127.0.0.1; as nsjail, no host names)"),
            MaxConns = MaxConns,
            MaxConnsPerIp = MaxConnsPerIp,
        };
    }

    /// <summary>A setting of one mode given for another is refused, never ignored. A file's listen settings are
    /// left alone when a flag chose another mode for this run (the file's own mode was overridden).</summary>
    private void CheckModeSettings()
    {
        string? modeOrigin = _origins.GetValueOrDefault("mode");
        bool modeFromFlag = modeOrigin?.StartsWith('-') == true;
        if (Mode != RunMode.Listen)
            foreach (string setting in ListenDefaults.Settings)
                if (_origins.TryGetValue(setting, out string? origin) && (origin.StartsWith('-') || !modeFromFlag))
                    throw new SpecException(origin, $"applies to mode listen (-Ml); the mode is {Mode.ToString().ToLowerInvariant()}");
        BuildListen(); // its checks are the spec's: a bad bindhost is refused with the rest
        if (Mode is RunMode.Listen or RunMode.Rerun)
        {
            string mode = Mode == RunMode.Listen ? "mode listen writes a report per connection" : "mode rerun writes a report per run";
            if (ReportPath is not null) throw new SpecException(Origin("report", "--report"), mode + ": give a directory with --report_dir");
            if (TraceTiming) throw new SpecException("--trace_timing", "traces one launch: use mode once (-Mo)");
        }
    }

    private CgroupSpec BuildCgroup()
    {
        ulong? swap = SwapLimit();
        if (swap is not null && CgroupMemMax is null)
            throw new SpecException(Origin("cgroup_mem_swap_max", "--cgroup_mem_swap_max"), "a swap limit needs a memory limit (--cgroup_mem_max)");
        if (CgroupParent is { } parent && (!parent.StartsWith('/') || parent.Split('/').Contains("..")))
            throw new SpecException(Origin("cgroup_parent", "--cgroup_parent"),
                parent.Length == 0 ? "expects a cgroup path from the hierarchy's root (like /sandboxes); the value is empty"
                    : $"{parent} is not a cgroup path from the hierarchy's root (like /sandboxes)");
        return new CgroupSpec
        {
            Limits = new CgroupLimits(CgroupMemMax, swap, CgroupPidsMax, CgroupCpuMsPerSec),
            Version = CgroupVersion,
            Parent = CgroupParent is null ? null : "/" + CgroupParent.Trim('/'),
            V2Mount = HostPath.FullOrNull(CgroupV2Mount, Origin("cgroupv2_mount", "--cgroupv2_mount")),
        };
    }

    /// <summary>The swap limit from --cgroup_mem_swap_max or --cgroup_mem_memsw_max (memory plus swap, as nsjail,
    /// which refuses both at once); an unlimited swap without a memory limit is nsjail's default, no limit.</summary>
    private ulong? SwapLimit()
    {
        if (CgroupMemMemswMax is not { } memsw)
            return CgroupMemSwapMax == ulong.MaxValue && CgroupMemMax is null ? null : CgroupMemSwapMax;
        string origin = Origin("cgroup_mem_memsw_max", "--cgroup_mem_memsw_max");
        if (CgroupMemSwapMax is not null && CgroupMemSwapMax != ulong.MaxValue)
            throw new SpecException(origin, "cannot be combined with a swap limit (--cgroup_mem_swap_max), as in nsjail: give one of them");
        if (CgroupMemMax is not { } mem) throw new SpecException(origin, "a memory+swap limit needs a memory limit (--cgroup_mem_max)");
        if (memsw < mem) throw new SpecException(origin, $"{memsw} bytes of memory+swap is less than the memory limit ({mem})");
        return memsw - mem;
    }

    private MountSpec ValidateMount(MountSpec m, int index)
    {
        string origin = Origin($"mount{index}", "--bindmount");
        string target = m.Target;
        if (!target.StartsWith('/'))
            throw new SpecException(origin, target.Length == 0 ? "the mount target is empty" : $"mount target {target} is not an absolute path");
        target = HostPath.Full(target, origin);
        if (target is "/" or "/proc")
            throw new SpecException(origin, $"cannot mount over {target}: the sandbox provides it");
        // /dev is the sandbox's own unless a bind or tmpfs replaces it, as nsjail configs do (docs/nsjail.md).
        if (target == "/dev" && m.Type is not (MountType.Bind or MountType.Tmpfs))
            throw new SpecException(origin, "only a bind or a tmpfs can replace /dev; otherwise the sandbox provides it");
        if (m.Type == MountType.Symlink && string.IsNullOrEmpty(m.Source))
            throw new SpecException(origin, $"the symlink at {target} has no target");
        if (m.Type != MountType.Tmpfs && (m.TmpfsInodes ?? m.TmpfsMode ?? m.TmpfsUid ?? m.TmpfsGid) is not null)
            throw new SpecException(origin, $"only a tmpfs takes nr_inodes, mode, uid and gid ({target} is not one)");
        if (m.TmpfsMode > 0xFFF) throw new SpecException(origin, $"mode {Convert.ToString(m.TmpfsMode.Value, 8)} is not a permission mode (at most 7777)");
        if (m.Type == MountType.Symlink && (m.NoExec || m.NoDev))
            throw new SpecException(origin, $"a symlink ({target}) takes no mount options");
        return m with
        {
            // A symlink's text is kept as written: it is read inside the sandbox.
            Source = m.Type is MountType.Bind or MountType.File && m.Source is not null ? HostPath.Full(m.Source, origin) : m.Source,
            Target = target,
            TmpfsSizeBytes = m.IsTmpfs && m.TmpfsSizeBytes == 0 ? TmpSizeBytes : m.TmpfsSizeBytes,
        };
    }

    /// <summary>A mount that replaces /dev is mounted before everything else below it: one that came after a mount
    /// inside /dev would hide it, which is refused rather than done.</summary>
    private static void CheckDevMount(IReadOnlyList<MountSpec> mounts, Func<int, string> origin)
    {
        int dev = -1;
        for (int i = 0; i < mounts.Count; i++)
        {
            if (mounts[i].Target == "/dev")
            {
                if (dev >= 0) throw new SpecException(origin(i), "/dev is replaced twice; give one bind or tmpfs for it");
                dev = i;
            }
        }
        if (dev < 0) return;
        int inside = mounts.Take(dev).ToList().FindIndex(m => m.Target.StartsWith("/dev/", StringComparison.Ordinal));
        if (inside >= 0)
            throw new SpecException(origin(dev), $"the mount that replaces /dev comes after the mount at {mounts[inside].Target}, which it would hide; put it first");
    }
}
