namespace NsSandbox.Frontends.Nsjail;

/// <summary>One field of nsjail's config.proto: repeated or not, and, when we refuse it, why and for which
/// values (<see cref="IsSet"/>: a refused field at nsjail's default value means nothing and is accepted).</summary>
public sealed record NsjailField(bool Repeated = false, string? Refusal = null, Func<TextValue, string, bool>? Differs = null)
{
    /// <summary>Whether the value asks for something (is not nsjail's default); validates its type.</summary>
    public bool IsSet(TextValue value, string origin) => Differs?.Invoke(value, origin) ?? true;
}

/// <summary>Every field of nsjail's config.proto (NsJailConfig, MountPt, Exe, IdMap), each applied by
/// <see cref="NsjailConfigLoader"/> or refused here with the reason docs/nsjail.md gives.</summary>
public static class NsjailFields
{
    private static NsjailField Applied(bool repeated = false) => new(repeated);

    private static NsjailField RefusedIfTrue(string why) => new(false, why, (v, o) => NsjailValues.Bool(v, o));

    private static NsjailField RefusedUnless(ulong value, string why) => new(false, why, (v, o) => NsjailValues.Unsigned(v, o) != value);

    private static NsjailField RefusedUnlessText(string value, string why) => new(false, why, (v, o) => NsjailValues.String(v, o) != value);

    private static NsjailField Refused(string why, bool repeated = false) => new(repeated, why);

    private const string NotYet = "is not supported yet (docs/nsjail.md)";

    /// <summary>The rlimits a config sets, their unit and nsjail's default (type and value).</summary>
    public static readonly (RlimitResource Resource, string Name, ulong Unit, (string Type, ulong Value) Default)[] Rlimits =
    [
        (RlimitResource.As, "as", 1024 * 1024, ("VALUE", 4096)),
        (RlimitResource.Core, "core", 1024 * 1024, ("VALUE", 0)),
        (RlimitResource.Cpu, "cpu", 1, ("VALUE", 600)),
        (RlimitResource.Fsize, "fsize", 1024 * 1024, ("VALUE", 1)),
        (RlimitResource.Nofile, "nofile", 1, ("VALUE", 32)),
        (RlimitResource.Nproc, "nproc", 1, ("SOFT", 1024)),
        (RlimitResource.Stack, "stack", 1024 * 1024, ("SOFT", 8)),
        (RlimitResource.Memlock, "memlock", 1024, ("SOFT", 64)),
        (RlimitResource.Rtprio, "rtprio", 1, ("SOFT", 0)),
        (RlimitResource.Msgqueue, "msgqueue", 1, ("SOFT", 1024)),
    ];

    public static readonly (string Name, Namespaces Ns)[] Namespaces =
    [
        ("net", Contract.Namespaces.Net), ("user", Contract.Namespaces.User), ("ns", Contract.Namespaces.Mount),
        ("pid", Contract.Namespaces.Pid), ("ipc", Contract.Namespaces.Ipc), ("uts", Contract.Namespaces.Uts),
        ("cgroup", Contract.Namespaces.Cgroup),
    ];

    public static readonly IReadOnlyDictionary<string, NsjailField> Config = BuildConfig();

    public static readonly IReadOnlyDictionary<string, NsjailField> Exe = new Dictionary<string, NsjailField>
    {
        ["path"] = Applied(),
        ["arg"] = Applied(repeated: true),
        ["arg0"] = Applied(),
        ["exec_fd"] = Applied(),
    };

    public static readonly IReadOnlyDictionary<string, NsjailField> IdMap = new Dictionary<string, NsjailField>
    {
        ["inside_id"] = Applied(), ["outside_id"] = Applied(), ["count"] = Applied(),
        ["use_newidmap"] = RefusedIfTrue("(newuidmap and newgidmap) is not used: as root the launcher writes any map itself, " +
            "and without root it maps only its own ids (docs/nsjail.md)"),
    };

    public static readonly IReadOnlyDictionary<string, NsjailField> Mount = new Dictionary<string, NsjailField>
    {
        ["src"] = Applied(), ["prefix_src_env"] = Applied(), ["dst"] = Applied(), ["prefix_dst_env"] = Applied(),
        ["fstype"] = Applied(), ["options"] = Applied(), ["is_bind"] = Applied(), ["rw"] = Applied(), ["is_dir"] = Applied(),
        ["mandatory"] = Applied(), ["nosuid"] = Applied(), ["src_content"] = Applied(), ["is_symlink"] = Applied(),
        ["nodev"] = Applied(), ["noexec"] = Applied(),
    };

    private static Dictionary<string, NsjailField> BuildConfig()
    {
        var fields = new Dictionary<string, NsjailField>
        {
            ["name"] = Applied(), ["description"] = Applied(repeated: true), ["mode"] = Applied(),
            ["chroot_dir"] = Applied(), ["is_root_rw"] = Applied(), ["hostname"] = Applied(), ["cwd"] = Applied(),
            ["no_pivotroot"] = RefusedIfTrue("the sandbox's root is always entered with pivot_root"),
            ["port"] = Applied(), ["bindhost"] = Applied(), ["max_conns"] = Applied(), ["max_conns_per_ip"] = Applied(),
            ["time_limit"] = Applied(),
            ["daemon"] = RefusedIfTrue("the launcher does not go into the background; run it under a service manager"),
            ["max_cpus"] = Applied(), ["nice_level"] = Applied(), ["log_fd"] = Applied(), ["log_file"] = Applied(),
            ["log_level"] = Applied(),
            ["keep_env"] = Applied(), ["envar"] = Applied(repeated: true),
            ["keep_caps"] = RefusedIfTrue("capabilities are always dropped"),
            ["cap"] = Refused("capabilities are always dropped", repeated: true),
            ["silent"] = Applied(),
            ["skip_setsid"] = RefusedIfTrue("the command always runs in a new session (no TIOCSTI into the caller's terminal)"),
            ["stderr_to_null"] = Applied(),
            ["pass_fd"] = Refused("only descriptors 0, 1 and 2 reach the command", repeated: true),
            ["disable_no_new_privs"] = RefusedIfTrue("no_new_privs is always set"),
            ["forward_signals"] = Applied(),
            ["disable_tsc"] = Applied(),
            ["disable_rl"] = Applied(),
            ["clone_newtime"] = RefusedIfTrue("(a time namespace) " + NotYet),
            ["uidmap"] = Applied(repeated: true), ["gidmap"] = Applied(repeated: true),
            ["mount_proc"] = Applied(), ["mount"] = Applied(repeated: true),
            ["seccomp_policy_file"] = Applied(), ["seccomp_string"] = Applied(repeated: true), ["seccomp_log"] = Applied(),
            ["cgroup_mem_max"] = Applied(), ["cgroup_mem_memsw_max"] = Applied(), ["cgroup_mem_swap_max"] = Applied(),
            ["cgroup_mem_parent"] = Applied(), ["cgroup_pids_max"] = Applied(), ["cgroup_pids_parent"] = Applied(),
            ["cgroup_cpu_ms_per_sec"] = Applied(), ["cgroup_cpu_parent"] = Applied(),
            ["cgroup_mem_mount"] = RefusedUnlessText("/sys/fs/cgroup/memory", "cgroup v1 hierarchies are found in /proc/self/mountinfo"),
            ["cgroup_pids_mount"] = RefusedUnlessText("/sys/fs/cgroup/pids", "cgroup v1 hierarchies are found in /proc/self/mountinfo"),
            ["cgroup_cpu_mount"] = RefusedUnlessText("/sys/fs/cgroup/cpu", "cgroup v1 hierarchies are found in /proc/self/mountinfo"),
            ["cgroup_net_cls_classid"] = RefusedUnless(0, "(the net_cls controller) " + NotYet),
            ["cgroup_net_cls_mount"] = RefusedUnlessText("/sys/fs/cgroup/net_cls", "(the net_cls controller) " + NotYet),
            ["cgroup_net_cls_parent"] = RefusedUnlessText("NSJAIL", "(the net_cls controller) " + NotYet),
            ["cgroupv2_mount"] = Applied(), ["use_cgroupv2"] = Applied(), ["detect_cgroupv2"] = Applied(),
            ["iface_no_lo"] = Applied(),
            ["iface_own"] = Refused("(moving a host interface into the sandbox) " + NotYet, repeated: true),
            ["macvlan_iface"] = Applied(), ["macvlan_vs_ip"] = Applied(), ["macvlan_vs_nm"] = Applied(),
            ["macvlan_vs_gw"] = Applied(), ["macvlan_vs_ma"] = Applied(),
            ["macvlan_vs_mo"] = RefusedUnlessText("private", "(a macvlan mode other than private) " + NotYet),
            ["user_net"] = Refused("(pasta networking) " + NotYet + "; --net egress gives outbound access"),
            ["exec_bin"] = Applied(),
        };
        foreach (var (_, name, _, _) in Rlimits)
        {
            fields["rlimit_" + name] = Applied();
            fields["rlimit_" + name + "_type"] = Applied();
        }
        foreach (var (name, _, _) in Cli.ProcessFlags.Personas) fields[name] = Applied();
        foreach (var (name, _) in Namespaces) fields["clone_new" + name] = Applied();
        return fields;
    }
}
