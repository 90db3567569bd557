
namespace NsSandbox.Frontends.Cli;

/// <summary>Every flag of a run, with its default as --help shows it. The same table will drive the config
/// file's keys, so a flag and its key cannot drift apart.</summary>
public static class FlagTable
{
    // Declared before All: static initializers run in textual order.
    private const ulong MiB = 1024 * 1024;

    public static readonly (string Name, RlimitResource Resource, ulong Unit, string Help)[] Rlimits =
    [
        ("as", RlimitResource.As, MiB, "address space in MiB (or 1G, 512M), or inf, soft, hard"),
        ("core", RlimitResource.Core, MiB, "core file size in MiB"),
        ("cpu", RlimitResource.Cpu, 1, "CPU time in seconds"),
        ("fsize", RlimitResource.Fsize, MiB, "largest file in MiB"),
        ("nofile", RlimitResource.Nofile, 1, "open file descriptors"),
        ("nproc", RlimitResource.Nproc, 1, "processes of the sandbox's outside user (shared by concurrent sandboxes)"),
        ("stack", RlimitResource.Stack, MiB, "stack size in MiB"),
        ("data", RlimitResource.Data, MiB, "data segment in MiB"),
        ("memlock", RlimitResource.Memlock, 1024, "locked memory in KiB (or 64K, 8M)"),
        ("rtprio", RlimitResource.Rtprio, 1, "highest real-time priority"),
        ("msgqueue", RlimitResource.Msgqueue, 1, "bytes in POSIX message queues"),
    ];

    public static readonly (string Name, Namespaces Ns)[] NamespaceFlags =
    [
        ("user", Namespaces.User), ("ns", Namespaces.Mount), ("pid", Namespaces.Pid), ("ipc", Namespaces.Ipc),
        ("uts", Namespaces.Uts), ("net", Namespaces.Net), ("cgroup", Namespaces.Cgroup),
    ];

    public static readonly IReadOnlyList<Flag> All = Build();

    private static List<Flag> Build()
    {
        var flags = new List<Flag>
        {
            new("config", 'C', "FILE", "none", "load settings from a TOML file (docs/config.md) or an nsjail config (docs/nsjail.md); flags given here override it",
                (b, v, o) => ConfigFile.Apply(b, v, o)),
            new("mode", 'M', "MODE", "o", "o (once): supervise the sandbox and report; e (execve): the launcher becomes the sandbox; " +
                "l (listen): a fresh sandbox per TCP connection; r (rerun): the command again and again, each time in a fresh sandbox",
                (b, v, o) =>
                {
                    b.Mode = v switch
                    {
                        "o" or "once" => RunMode.Once,
                        "e" or "execve" => RunMode.Execve,
                        "l" or "listen" => RunMode.Listen,
                        "r" or "rerun" => RunMode.Rerun,
                        _ => throw new SpecException(o, $"unknown mode '{v}'; use o (once), e (execve), l (listen) or r (rerun)"),
                    };
                    b.NoteOrigin("mode", o);
                }),
            new("chroot", 'c', "DIR", "/", "the sandbox's root directory (read-only unless --rw)",
                (b, v, o) => { b.Chroot = v; b.NoteOrigin("chroot", o); }),
            new("rw", null, null, "off", "mount the chroot read-write", (b, _, _) => b.ReadWrite = true),
            new("user", 'u', "USER", "65534", "user inside the sandbox: a uid or a name from the chroot's /etc/passwd; INSIDE:OUTSIDE[:COUNT] maps ids as --uid_mapping",
                (b, v, o) => IdFlag(b, v, o, uid: true)),
            new("group", 'g', "GROUP", "65534", "group inside the sandbox: a gid or a name from the chroot's /etc/group; INSIDE:OUTSIDE[:COUNT] maps ids as --gid_mapping",
                (b, v, o) => IdFlag(b, v, o, uid: false)),
            new("uid_mapping", 'U', "INSIDE:OUTSIDE:COUNT", "the user to nobody", "map COUNT uids from INSIDE to the host's OUTSIDE; names allowed; root only (repeatable)",
                (b, v, o) => b.UidMaps.Add(IdMapSpec.Parse(v, o))),
            new("gid_mapping", 'G', "INSIDE:OUTSIDE:COUNT", "the group to nobody", "map COUNT gids from INSIDE to the host's OUTSIDE; names allowed; root only (repeatable)",
                (b, v, o) => b.GidMaps.Add(IdMapSpec.Parse(v, o))),
            new("hostname", 'H', "NAME", "nssandbox", "hostname inside the sandbox",
                (b, v, o) => { b.Hostname = v; b.NoteOrigin("hostname", o); }),
            new("cwd", 'D', "DIR", "/data", "working directory inside the sandbox",
                (b, v, o) => { b.Cwd = v; b.NoteOrigin("cwd", o); }),
            new("time_limit", 't', "SECONDS", "0 (none)", "wall-clock limit; the whole sandbox is killed when it passes (also 500ms, 2m)",
                (b, v, o) => { b.TimeLimit = Values.Duration(o, v); b.NoteOrigin("time_limit", o); }),
            new("quiet", 'q', null, "off", "print only the launcher's errors", (b, _, _) => b.Verbosity = Verbosity.Quiet),
            new("verbose", 'v', null, "off", "say what the launcher does", (b, _, _) => b.Verbosity = Verbosity.Verbose),
            new("env", 'E', "VAR[=VALUE]", "PATH, HOME=/data", "set VAR, or pass the host's VAR through (repeatable)",
                (b, v, o) =>
                {
                    int eq = v.IndexOf('=');
                    string name = eq < 0 ? v : v[..eq];
                    if (string.IsNullOrWhiteSpace(name)) throw new SpecException(o, $"'{v}' has no variable name");
                    b.Env.Add(new EnvEntry(name, eq < 0 ? null : v[(eq + 1)..]));
                }),
            new("keep_env", 'e', null, "off", "pass the launcher's whole environment", (b, _, _) => b.KeepEnv = true),
            new("disable_proc", null, null, "off", "do not mount a fresh /proc", (b, _, _) => b.MountProc = false),
            new("proc_path", null, "PATH", "/proc", "where the fresh /proc is mounted",
                (b, v, o) => { b.ProcPath = v; b.NoteOrigin("proc_path", o); }),
            new("proc_rw", null, null, "off", "mount the fresh /proc read-write", (b, _, _) => b.ProcReadWrite = true),
            new("bindmount_ro", 'R', "SRC[:DST]", "none", "bind a host path read-only (repeatable)",
                (b, v, o) => AddBind(b, v, o, readOnly: true)),
            new("bindmount", 'B', "SRC[:DST[:OPTIONS]]", "none", "bind a host path read-write (repeatable); OPTIONS: ro, noexec, nodev",
                (b, v, o) => AddBind(b, v, o, readOnly: false)),
            new("tmpfsmount", 'T', "DST", "none", "mount a fresh tmpfs at DST (repeatable)",
                (b, v, o) =>
                {
                    b.NoteOrigin($"mount{b.Mounts.Count}", o);
                    b.Mounts.Add(new MountSpec(null, v, false)); // sized by tmp_size when the spec is built
                }),
            new("tmp_size", null, "SIZE", "256M", "size of /tmp, /dev/shm and --tmpfsmount mounts",
                (b, v, o) => b.TmpSizeBytes = Values.Size(o, v)),
            new("data", null, "DIR", "fresh per run", "a host directory to mount at /data instead of a fresh one",
                (b, v, o) => { b.DataDir = v; b.NoteOrigin("data", o); }),
            new("keep_data", null, null, "off", "keep the fresh /data after the run (the report names it)",
                (b, _, _) => b.KeepData = true),
            new("state_dir", null, "DIR", "/var/lib/nssandbox", "where per-run directories live (non-root: ~/.local/state/nssandbox)",
                (b, v, o) => { b.StateDir = v; b.NoteOrigin("state_dir", o); }),
            new("report", null, "FILE", "none", "write the run's JSON report to FILE, or - for stderr",
                (b, v, o) => { b.ReportPath = v; b.NoteOrigin("report", o); }),
            new("report_dir", null, "DIR", "none", "write each run's JSON report to DIR/RUN_ID.json (a report per connection in mode listen)",
                (b, v, o) => { b.ReportDir = v; b.NoteOrigin("report_dir", o); }),
            new("trace_timing", null, null, "off", "print on stderr how long each step of the launch took (mode once)",
                (b, _, _) => b.TraceTiming = true),
            new("seccomp_policy", 'P', "FILE", "the built-in default.policy", "filter system calls with the policy in FILE (nsjail's policy language)",
                (b, v, o) => { b.SeccompPolicyFile = v; b.NoteOrigin("seccomp_policy", o); }),
            new("seccomp_string", null, "POLICY", "none", "policy text, appended after --seccomp_policy's file (repeatable)",
                (b, v, _) => b.SeccompStrings.Add(v)),
            new("seccomp_oci", null, "FILE", "none", "filter system calls with an OCI seccomp profile (JSON: a config.json, its linux.seccomp, or Docker's format)",
                (b, v, o) => { b.SeccompOciFile = v; b.NoteOrigin("seccomp_oci", o); }),
            new("seccomp_log", null, null, "off", "the policy's KILL actions only log the call (to build a policy)",
                (b, _, _) => b.SeccompLog = true),
            new("disable_seccomp", null, null, "off", "run without any system call filter",
                (b, _, o) => { b.DisableSeccomp = true; b.NoteOrigin("disable_seccomp", o); }),
        };

        flags.AddRange(ProcessFlags.All());
        flags.AddRange(CgroupFlags());
        flags.AddRange(ListenFlags());

        foreach (var (name, resource, unit, help) in Rlimits)
            flags.Add(new Flag("rlimit_" + name, null, "VALUE", name == "core" ? "0" : "soft", help,
                (b, v, o) => b.Rlimits[resource] = Values.Rlimit(o, resource, v, unit)));

        foreach (var (name, ns) in NamespaceFlags)
            flags.Add(new Flag("disable_clone_new" + name, name == "net" ? 'N' : null, null, "off",
                name == "net" ? "share the host's network (the same as --net host)" : $"do not create a new {name} namespace",
                name == "net"
                    ? (b, _, o) => { b.Net.Mode = NetMode.Host; b.Net.Note("mode", o); }
                    : (b, _, o) => { b.Namespaces &= ~ns; b.NoteOrigin("namespaces", o); }));
        flags.AddRange(NetFlags.All());
        return flags;
    }

    private static IEnumerable<Flag> CgroupFlags() =>
    [
        new("cgroup_mem_max", null, "SIZE", "none", "memory limit of the run's cgroup (512M, 1G); the OOM killer ends the run",
            (b, v, o) => { b.CgroupMemMax = AtLeast(o, Values.Size(o, v), MiB, "1M"); b.NoteOrigin("cgroup", o); }),
        new("cgroup_mem_swap_max", null, "SIZE", "0 with a memory limit", "swap the run's cgroup may use besides its memory; -1 or max: unlimited",
            (b, v, o) =>
            {
                b.CgroupMemSwapMax = v.Trim() is "-1" or "max" ? CgroupLimits.UnlimitedSwap : Values.Size(o, v);
                b.NoteOrigin("cgroup_mem_swap_max", o);
                b.NoteOrigin("cgroup", o);
            }),
        new("cgroup_mem_memsw_max", null, "SIZE", "none", "memory plus swap of the run's cgroup (nsjail's form of the swap limit)",
            (b, v, o) => { b.CgroupMemMemswMax = Values.Size(o, v); b.NoteOrigin("cgroup_mem_memsw_max", o); b.NoteOrigin("cgroup", o); }),
        new("cgroup_pids_max", null, "N", "none", "processes and threads the run's cgroup may hold at once",
            (b, v, o) => { b.CgroupPidsMax = AtLeast(o, Values.Count(o, v), 1, "1"); b.NoteOrigin("cgroup", o); }),
        new("cgroup_cpu_ms_per_sec", null, "MS", "none", "CPU time per second of wall time (200 = 20% of one CPU)",
            (b, v, o) =>
            {
                ulong ms = AtLeast(o, Values.Count(o, v), 1, "1");
                if (ms > 1_000_000) throw new SpecException(o, $"'{v}' is more CPU than any machine has (at most 1000000)");
                b.CgroupCpuMsPerSec = (uint)ms;
                b.NoteOrigin("cgroup", o);
            }),
        new("cgroup_version", null, "auto|1|2", "auto", "the cgroup interface for limits: auto prefers v2, else v1",
            (b, v, o) => b.CgroupVersion = v switch
            {
                "auto" => CgroupVersion.Auto,
                "1" or "v1" => CgroupVersion.V1,
                "2" or "v2" => CgroupVersion.V2,
                _ => throw new SpecException(o, $"unknown cgroup version '{v}'; use auto, 1 or 2"),
            }),
        new("cgroup_parent", null, "PATH", "own cgroup", "cgroup path (from each hierarchy's root) to create run cgroups under",
            (b, v, o) => { b.CgroupParent = v; b.NoteOrigin("cgroup_parent", o); }),
        new("cgroupv2_mount", null, "DIR", "from mountinfo", "where the cgroup v2 hierarchy is mounted",
            (b, v, o) => { b.CgroupV2Mount = v; b.NoteOrigin("cgroupv2_mount", o); }),
    ];

    /// <summary>Mode listen's flags, nsjail's names and meaning: --port also selects the mode, as nsjail's does.</summary>
    private static IEnumerable<Flag> ListenFlags() =>
    [
        new("port", 'p', "PORT", "0 (any free port)", "mode listen: the TCP port to listen on; selects mode listen (-Ml)",
            (b, v, o) =>
            {
                ulong port = Values.Count(o, v);
                if (port > 65535) throw new SpecException(o, $"{port} is not a TCP port (0 to 65535)");
                b.ListenPort = (int)port;
                b.Mode = RunMode.Listen;
                b.NoteOrigin("port", o);
                b.NoteOrigin("mode", o);
            }),
        new("bindhost", null, "ADDR", ListenDefaults.BindHost, "mode listen: the address to listen on (:: is every IPv6 and IPv4 address)",
            (b, v, o) => { b.BindHost = v; b.NoteOrigin("bindhost", o); }),
        new("max_conns", null, "N", "0 (no limit)", "mode listen: connections served at once; more are logged and closed",
            (b, v, o) => { b.MaxConns = AtMost(o, Values.Count(o, v), uint.MaxValue); b.NoteOrigin("max_conns", o); }),
        new("max_conns_per_ip", 'i', "N", "0 (no limit)", "mode listen: connections served at once from one client address",
            (b, v, o) => { b.MaxConnsPerIp = AtMost(o, Values.Count(o, v), uint.MaxValue); b.NoteOrigin("max_conns_per_ip", o); }),
    ];

    private static uint AtMost(string origin, ulong value, uint maximum) =>
        value <= maximum ? (uint)value : throw new SpecException(origin, $"{value} is too large (at most {maximum})");

    private static ulong AtLeast(string origin, ulong value, ulong minimum, string shown) =>
        value >= minimum ? value : throw new SpecException(origin, $"{value} is below the smallest limit, {shown}");

    /// <summary>--user and --group: a plain value names the sandbox's id; nsjail's INSIDE:OUTSIDE[:COUNT] adds a
    /// mapping (the sandbox runs as the first mapping's inside id unless named otherwise).</summary>
    private static void IdFlag(SpecBuilder b, string value, string origin, bool uid)
    {
        if (value.Contains(':'))
        {
            (uid ? b.UidMaps : b.GidMaps).Add(IdMapSpec.Parse(value, origin));
            return;
        }
        if (uid) b.User = value;
        else b.Group = value;
        b.NoteOrigin(uid ? "user" : "group", origin);
    }

    private static void AddBind(SpecBuilder b, string value, string origin, bool readOnly)
    {
        var (src, dst) = Values.BindPair(origin, value);
        var mount = new MountSpec(src, dst, readOnly);
        // nsjail's --bindmount takes a third field, the mount's options (--bindmount_ro does not).
        if (!readOnly && dst.IndexOf(':') is var colon and >= 0)
            mount = MountOptions.Parse(dst[(colon + 1)..], origin).ApplyTo(mount with { Target = dst[..colon] }, origin);
        if (mount.Target.Length == 0) throw new SpecException(origin, $"'{value}' is not SRC[:DST[:OPTIONS]]");
        b.NoteOrigin($"mount{b.Mounts.Count}", origin);
        b.Mounts.Add(mount);
    }

    /// <summary>Finds a flag by long name in either spelling.</summary>
    public static Flag? ByName(string name)
    {
        string canonical = name.Replace('-', '_');
        return All.FirstOrDefault(f => f.Name == canonical);
    }

    public static Flag? ByShort(char c) => All.FirstOrDefault(f => f.Short == c);
}
