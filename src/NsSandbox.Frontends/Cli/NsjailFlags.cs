namespace NsSandbox.Frontends.Cli;

/// <summary>nsjail's flags that are not this launcher's own (those in <see cref="FlagTable"/> keep nsjail's
/// names and meaning): a few spellings of settings we have, and the rest refused by name with the reason, so
/// an nsjail command line either means what it meant or says why not (docs/nsjail.md). Command-line only:
/// they have no configuration keys.</summary>
public static class NsjailFlags
{
    private const string NotYet = "is not supported yet (docs/nsjail.md)";

    /// <summary>nsjail's other spellings: each is applied as a flag of ours.</summary>
    public static readonly IReadOnlyList<Flag> Aliases =
    [
        new("really_quiet", 'Q', null, "off", "nsjail's -Q: the same as --quiet", (b, _, _) => b.Verbosity = Verbosity.Quiet),
        new("disable_rlimits", null, null, "off", "every rlimit stays the launcher's", (b, _, _) => b.Rlimits.Clear()),
        new("use_cgroupv2", null, null, "off", "the same as --cgroup_version 2", (b, _, _) => b.CgroupVersion = CgroupVersion.V2),
        new("detect_cgroupv2", null, null, "off", "the same as --cgroup_version auto", (b, _, _) => b.CgroupVersion = CgroupVersion.Auto),
        new("cgroup_mem_parent", null, "PATH", "none", "the same as --cgroup_parent", CgroupParent),
        new("cgroup_pids_parent", null, "PATH", "none", "the same as --cgroup_parent", CgroupParent),
        new("cgroup_cpu_parent", null, "PATH", "none", "the same as --cgroup_parent", CgroupParent),
        new("forward_signals", null, null, "on", "signals are always forwarded", (_, _, _) => { }),
        new("mount", 'm', "SRC:DST:FSTYPE:OPTIONS", "none", "a tmpfs or proc at DST (read-write unless OPTIONS has ro), as [[fs.mount]] says it",
            (b, v, o) => Mount(b, v, o)),
        new("symlink", 's', "SRC:DST", "none", "a symlink at DST whose text is SRC, as [[fs.mount]] type = \"symlink\" says it",
            (b, v, o) => Symlink(b, v, o)),
    ];

    /// <summary>nsjail's flags we refuse, with why: (name, short, takes a value, reason).</summary>
    public static readonly IReadOnlyList<(string Name, char? Short, bool TakesValue, string Reason)> Refused =
    [
        ("exec_wrapper", null, true, "(a wrapper around the command) " + NotYet),
        ("daemon", 'd', false, "the launcher does not go into the background; run it under a service manager"),
        ("keep_caps", null, false, "capabilities are always dropped"),
        ("cap", null, true, "capabilities are always dropped"),
        ("skip_setsid", null, false, "the command always runs in a new session (no TIOCSTI into the caller's terminal)"),
        ("pass_fd", null, true, "only descriptors 0, 1 and 2 reach the command"),
        ("disable_no_new_privs", null, false, "no_new_privs is always set"),
        ("no_pivotroot", null, false, "the sandbox's root is always entered with pivot_root"),
        ("enable_clone_newtime", null, false, "(a time namespace) " + NotYet),
        ("cgroup_mem_mount", null, true, "cgroup v1 hierarchies are found in /proc/self/mountinfo"),
        ("cgroup_pids_mount", null, true, "cgroup v1 hierarchies are found in /proc/self/mountinfo"),
        ("cgroup_cpu_mount", null, true, "cgroup v1 hierarchies are found in /proc/self/mountinfo"),
        ("cgroup_net_cls_classid", null, true, "(the net_cls controller) " + NotYet),
        ("cgroup_net_cls_mount", null, true, "(the net_cls controller) " + NotYet),
        ("cgroup_net_cls_parent", null, true, "(the net_cls controller) " + NotYet),
        ("iface_own", null, true, "(moving a host interface into the sandbox) " + NotYet),
        ("macvlan_vs_mo", null, true, "(a macvlan mode other than private) " + NotYet),
        ("user_net", null, false, "(pasta networking) " + NotYet + "; --net egress gives outbound access"),
    ];

    public static Flag? AliasByName(string canonical) => Aliases.FirstOrDefault(f => f.Name == canonical);

    public static Flag? AliasByShort(char c) => Aliases.FirstOrDefault(f => f.Short == c);

    /// <summary>The reason an nsjail flag is refused, or null when it is not one of those.</summary>
    public static string? RefusalOf(string canonical) => Refused.FirstOrDefault(r => r.Name == canonical).Reason;

    public static (string Name, string Reason)? RefusalOf(char c) =>
        Refused.FirstOrDefault(r => r.Short == c) is { Name: not null } r ? (r.Name, r.Reason) : null;

    /// <summary>nsjail's --mount SRC:DST:FSTYPE:OPTIONS (DST defaults to SRC; OPTIONS may hold colons): read-write
    /// unless OPTIONS says ro, as nsjail mounts it.</summary>
    private static void Mount(SpecBuilder b, string value, string origin)
    {
        var parts = value.Split(':');
        if (parts.Length < 3) throw new SpecException(origin, $"'{value}' is not SRC:DST:FSTYPE[:OPTIONS]");
        string fstype = parts[2];
        if (fstype is "" or "bind" or "none")
            throw new SpecException(origin, $"'{value}' names no filesystem to mount (nsjail's --mount makes no binds); bind with --bindmount or --bindmount_ro");
        Nsjail.NsjailMount.Add(b, new Nsjail.NsjailMountPoint
        {
            Src = parts[0],
            Dst = parts[1].Length > 0 ? parts[1] : parts[0],
            FsType = fstype,
            Options = string.Join(':', parts.Skip(3)),
            Rw = true,
        }, origin);
    }

    /// <summary>nsjail's --symlink SRC:DST: a symlink at DST whose text is SRC.</summary>
    private static void Symlink(SpecBuilder b, string value, string origin)
    {
        int colon = value.IndexOf(':');
        if (colon <= 0 || colon == value.Length - 1) throw new SpecException(origin, $"'{value}' is not SRC:DST (the link's text, then where it is made)");
        Nsjail.NsjailMount.Add(b, new Nsjail.NsjailMountPoint { Src = value[..colon], Dst = value[(colon + 1)..], IsSymlink = true, Rw = true }, origin);
    }

    private static void CgroupParent(SpecBuilder b, string value, string origin)
    {
        b.CgroupParent = value;
        b.NoteOrigin("cgroup_parent", origin);
    }
}
