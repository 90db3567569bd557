using NsSandbox.Frontends.Cli;

namespace NsSandbox.Frontends.Toml;

/// <summary>What TOML values a key takes; each is turned into the text its flag parses.</summary>
public enum ConfigType
{
    /// <summary>true applies the switch; false leaves the default.</summary>
    Switch,
    /// <summary>a string.</summary>
    Text,
    /// <summary>a whole number (0 or more, up to Max), or a string the flag parses (a name, 1G, inf).</summary>
    Number,
    /// <summary>seconds as a number (fractions allowed), or a string with a unit (500ms, 30s, 2m).</summary>
    Duration,
    /// <summary>an array of strings: the repeatable flag applied once per item, in order.</summary>
    List,
}

/// <summary>One key of the configuration file: its flag (whose parser and validation it reuses), section and
/// how the effective value is read back from a spec for <c>config show</c> (null: not set).</summary>
public sealed record ConfigKey(Flag Flag, string Section, ConfigType Type, Func<EffectiveConfig, object?> Show, long Max = long.MaxValue,
    long Min = 0)
{
    /// <summary>The flag's name in kebab-case, or its short name in <see cref="ConfigKeys.ShortNames"/>.</summary>
    public string Name { get; } = ConfigKeys.ShortNames.GetValueOrDefault(Flag.Name) ?? Flag.Name.Replace('_', '-');
    public string Path => Section + "." + Name;
}

/// <summary>The configuration file's keys, derived from the flag table: every flag maps to a section here (a
/// test fails for a flag that does not), and its key is the flag's name in kebab-case. A new flag is one line.</summary>
public static class ConfigKeys
{
    /// <summary>Flags with no key: the file itself.</summary>
    public static readonly IReadOnlySet<string> NotInFiles = new HashSet<string> { "config" };

    /// <summary>The three mount flags are also written as [[fs.mount]] tables, which is how show prints them.</summary>
    public static readonly IReadOnlySet<string> MountFlags = new HashSet<string> { "bindmount", "bindmount_ro", "tmpfsmount" };

    /// <summary>Keys not named after their flag: the flag's name repeats the section ([net] mode, not net-net).</summary>
    public static readonly IReadOnlyDictionary<string, string> ShortNames = new Dictionary<string, string>
    {
        ["net"] = "mode", ["net_deny"] = "deny", ["net_allow"] = "allow", ["net_forward"] = "forward",
        ["net_allow_host"] = "allow-host", ["net_only"] = "only", ["net_min_ttl"] = "min-ttl",
    };
    /// <summary>Keys whose relative paths are taken from the configuration file's directory, so that a profile
    /// can name a file that sits next to it (configs/python.toml's policy).</summary>
    public static readonly IReadOnlySet<string> RelativeToFile = new HashSet<string> { "seccomp_policy", "seccomp_oci" };

    /// <summary>Sections in the order show prints them; a section not listed comes after these.</summary>
    public static readonly IReadOnlyList<string> SectionOrder =
        ["exec", "user", "fs", "limits", "process", "cgroup", "env", "namespaces", "net", "seccomp", "listen", "launcher", "report"];

    private static readonly Dictionary<string, (string Section, ConfigType Type, Func<SandboxSpec, object?> Show)> Map = new()
    {
        ["cwd"] = ("exec", ConfigType.Text, s => s.Cwd),
        ["hostname"] = ("exec", ConfigType.Text, s => s.Hostname),
        ["exec_file"] = ("exec", ConfigType.Text, s => s.Process.ExecFile),
        ["execute_fd"] = ("exec", ConfigType.Switch, s => s.Process.ExecuteFd),
        ["silent"] = ("exec", ConfigType.Switch, s => s.Process.Silent),
        ["stderr_to_null"] = ("exec", ConfigType.Switch, s => s.Process.StderrToNull),
        ["user"] = ("user", ConfigType.Number, s => IdValue(s.User)),
        ["group"] = ("user", ConfigType.Number, s => IdValue(s.Group)),
        ["uid_mapping"] = ("user", ConfigType.List, s => s.UidMaps.Select(m => m.ToString()).ToList()),
        ["gid_mapping"] = ("user", ConfigType.List, s => s.GidMaps.Select(m => m.ToString()).ToList()),
        ["nice_level"] = ("process", ConfigType.Number, s => s.Process.NiceLevel is { } n ? (long)n : null),
        ["max_cpus"] = ("process", ConfigType.Number, s => (long)s.Process.MaxCpus),
        ["disable_tsc"] = ("process", ConfigType.Switch, s => s.Process.DisableTsc),
        ["chroot"] = ("fs", ConfigType.Text, s => s.Chroot ?? ""),
        ["rw"] = ("fs", ConfigType.Switch, s => s.ReadWrite),
        ["disable_proc"] = ("fs", ConfigType.Switch, s => !s.MountProc),
        ["proc_path"] = ("fs", ConfigType.Text, s => s.ProcPath),
        ["proc_rw"] = ("fs", ConfigType.Switch, s => s.ProcReadWrite),
        ["tmp_size"] = ("fs", ConfigType.Number, s => ConfigText.Size(s.TmpSizeBytes)),
        ["data"] = ("fs", ConfigType.Text, s => s.DataDir),
        ["keep_data"] = ("fs", ConfigType.Switch, s => s.KeepData),
        ["bindmount_ro"] = ("fs", ConfigType.List, _ => null),
        ["bindmount"] = ("fs", ConfigType.List, _ => null),
        ["tmpfsmount"] = ("fs", ConfigType.List, _ => null),
        ["time_limit"] = ("limits", ConfigType.Duration, s => s.TimeLimit is { } t ? ConfigText.Duration(t) : 0L),
        ["cgroup_mem_max"] = ("cgroup", ConfigType.Number, s => s.Cgroup.Limits.MemoryMax is { } v ? ConfigText.Size(v) : null),
        ["cgroup_mem_swap_max"] = ("cgroup", ConfigType.Number,
            s => s.Cgroup.Limits.MemorySwapMax is { } v ? v == CgroupLimits.UnlimitedSwap ? "max" : ConfigText.Size(v) : null),
        // Read into the swap limit (memory+swap less memory), which is what show prints.
        ["cgroup_mem_memsw_max"] = ("cgroup", ConfigType.Number, _ => null),
        ["cgroup_pids_max"] = ("cgroup", ConfigType.Number, s => s.Cgroup.Limits.PidsMax is { } v ? (long)v : null),
        ["cgroup_cpu_ms_per_sec"] = ("cgroup", ConfigType.Number, s => s.Cgroup.Limits.CpuMsPerSec is { } v ? (long)v : null),
        ["cgroup_version"] = ("cgroup", ConfigType.Text, s => s.Cgroup.Version switch { CgroupVersion.V1 => "1", CgroupVersion.V2 => "2", _ => "auto" }),
        ["cgroup_parent"] = ("cgroup", ConfigType.Text, s => s.Cgroup.Parent),
        ["cgroupv2_mount"] = ("cgroup", ConfigType.Text, s => s.Cgroup.V2Mount),
        ["env"] = ("env", ConfigType.List, s => s.Env.Entries.Select(e => e.Value is null ? e.Name : e.Name + "=" + e.Value).ToList()),
        ["keep_env"] = ("env", ConfigType.Switch, s => s.Env.KeepAll),
        ["quiet"] = ("launcher", ConfigType.Switch, s => s.Verbosity == Verbosity.Quiet),
        ["verbose"] = ("launcher", ConfigType.Switch, s => s.Verbosity == Verbosity.Verbose),
        ["state_dir"] = ("launcher", ConfigType.Text, s => s.StateDir),
        ["log"] = ("launcher", ConfigType.Text, s => s.LogFile),
        ["log_fd"] = ("launcher", ConfigType.Number, s => s.LogFd is { } fd ? (long)fd : null),
        ["trace_timing"] = ("launcher", ConfigType.Switch, s => s.TraceTiming),
        ["report"] = ("report", ConfigType.Text, s => s.ReportPath),
        ["report_dir"] = ("report", ConfigType.Text, s => s.ReportDir),
        ["disable_clone_newnet"] = ("net", ConfigType.Switch, s => !s.Namespaces.HasFlag(Namespaces.Net)),
        ["net"] = ("net", ConfigType.Text, s => s.Net.ModeName),
        ["iface_no_lo"] = ("net", ConfigType.Switch, s => !s.Net.LoopbackUp),
        ["net_deny"] = ("net", ConfigType.List, s => s.Net.Mode == NetMode.Egress ? s.Net.Deny.Select(c => c.ToString()).ToList() : null),
        ["net_allow"] = ("net", ConfigType.List, s => s.Net.Mode == NetMode.Egress ? s.Net.Allow.Select(c => c.ToString()).ToList() : null),
        ["net_allow_host"] = ("net", ConfigType.List, s => s.Net.Mode == NetMode.Egress ? s.Net.AllowHosts.Select(h => h.ToString()).ToList() : null),
        ["net_only"] = ("net", ConfigType.Switch, s => s.Net.Only),
        ["net_min_ttl"] = ("net", ConfigType.Duration, s => s.Net.Mode == NetMode.Egress ? ConfigText.Duration(s.Net.MinTtl) : null),
        ["net_forward"] = ("net", ConfigType.List, s => s.Net.Mode == NetMode.Egress ? s.Net.Forwards.Select(f => $"{f.HostPort}:{f.SandboxPort}").ToList() : null),
        ["macvlan_iface"] = ("net", ConfigType.Text, s => s.Net.Macvlan?.Interface),
        ["macvlan_vs_ip"] = ("net", ConfigType.Text, s => s.Net.Macvlan?.Address),
        ["macvlan_vs_nm"] = ("net", ConfigType.Text, s => s.Net.Macvlan?.Netmask),
        ["macvlan_vs_gw"] = ("net", ConfigType.Text, s => s.Net.Macvlan is { } m ? m.Gateway ?? "0.0.0.0" : null),
        ["macvlan_vs_ma"] = ("net", ConfigType.Text, s => s.Net.Macvlan?.Mac),
        ["seccomp_policy"] = ("seccomp", ConfigType.Text, s => s.Seccomp.PolicyFile),
        ["seccomp_string"] = ("seccomp", ConfigType.List, s => s.Seccomp.PolicyStrings.ToList()),
        ["seccomp_oci"] = ("seccomp", ConfigType.Text, s => s.Seccomp.OciProfile),
        ["seccomp_log"] = ("seccomp", ConfigType.Switch, s => s.Seccomp.Log),
        ["disable_seccomp"] = ("seccomp", ConfigType.Switch, s => s.Seccomp.Disabled),
    };

    /// <summary>The mode and its settings are the front end's choice, not the spec's: shown from the parse.</summary>
    private static readonly Dictionary<string, (string Section, ConfigType Type, Func<EffectiveConfig, object?> Show)> ModeKeys = new()
    {
        ["mode"] = ("exec", ConfigType.Text, c => c.Mode.ToString().ToLowerInvariant()),
        ["port"] = ("listen", ConfigType.Number, c => c.Listen is { } l ? (long)l.Port : null),
        ["bindhost"] = ("listen", ConfigType.Text, c => c.Listen?.BindHost.ToString()),
        ["max_conns"] = ("listen", ConfigType.Number, c => c.Listen is { } l ? (long)l.MaxConns : null),
        ["max_conns_per_ip"] = ("listen", ConfigType.Number, c => c.Listen is { } l ? (long)l.MaxConnsPerIp : null),
    };

    public static readonly IReadOnlyList<ConfigKey> All = Build();

    /// <summary>Sections that have keys, in the order show prints them.</summary>
    public static readonly IReadOnlyList<string> Sections = All.Select(k => k.Section).Append("exec").Distinct()
        .OrderBy(s => SectionOrder.Contains(s) ? SectionOrder.ToList().IndexOf(s) : SectionOrder.Count).ThenBy(s => s, StringComparer.Ordinal)
        .ToList();

    private static List<ConfigKey> Build()
    {
        var families = new Dictionary<string, (string Section, ConfigType Type, Func<SandboxSpec, object?> Show)>();
        foreach (var (name, resource, unit, _) in FlagTable.Rlimits)
            families["rlimit_" + name] = ("limits", ConfigType.Number, s => ConfigText.Rlimit(s, resource, unit));
        foreach (var (name, flag, _) in ProcessFlags.Personas)
            families[name] = ("process", ConfigType.Switch, s => s.Process.Personality.HasFlag(flag));
        foreach (var (name, ns) in FlagTable.NamespaceFlags)
            families.TryAdd("disable_clone_new" + name, ("namespaces", ConfigType.Switch, s => !s.Namespaces.HasFlag(ns)));

        var keys = new List<ConfigKey>();
        foreach (var flag in FlagTable.All.Where(f => !NotInFiles.Contains(f.Name)))
        {
            var (min, max) = flag.Name switch
            {
                "user" or "group" => (0L, uint.MaxValue - 1L),
                "nice_level" => (int.MinValue, int.MaxValue), // clamped to -20..19 by the flag, as the kernel does
                "log_fd" or "max_cpus" => (0L, int.MaxValue),
                _ => (0L, long.MaxValue),
            };
            if (ModeKeys.TryGetValue(flag.Name, out var m))
            {
                keys.Add(new ConfigKey(flag, m.Section, m.Type, m.Show, max, min));
                continue;
            }
            if (!Map.TryGetValue(flag.Name, out var k) && !families.TryGetValue(flag.Name, out k)) continue;
            if (!flag.TakesValue && k.Type != ConfigType.Switch) throw new InvalidOperationException($"--{flag.Name} is a switch");
            var show = k.Show;
            keys.Add(new ConfigKey(flag, k.Section, k.Type, c => show(c.Spec), max, min));
        }
        return keys;
    }

    /// <summary>Flags that have no key yet (a test asserts there are none).</summary>
    public static IEnumerable<Flag> Unmapped =>
        FlagTable.All.Where(f => !NotInFiles.Contains(f.Name) && All.All(k => k.Flag != f));

    public static ConfigKey? ByPath(string path) => All.FirstOrDefault(k => k.Path == path);

    /// <summary>A uid or gid as a number, a name as the string it is.</summary>
    private static object? IdValue(string id) => id.Length == 0 ? null : long.TryParse(id, out long n) ? n : id;
}
