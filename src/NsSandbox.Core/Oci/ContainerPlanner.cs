using System.Globalization;
using NsSandbox.Contract.Oci;
using NsSandbox.Core.Plan;
using NsSandbox.Linux;
using Ns = NsSandbox.Contract.Namespaces;

namespace NsSandbox.Core.Oci;

/// <summary>The single place a bundle's config.json becomes a <see cref="ContainerPlan"/>. Every field is either
/// used here with the runtime-spec's meaning or refused by <see cref="OciSupport"/>; nothing is dropped.</summary>
public static class ContainerPlanner
{
    private const string Origin = "config.json";

    public static ContainerPlan Create(string id, string bundle, OciSpec spec, IHostView host, OciRuntimeOptions options)
    {
        OciSupport.Check(spec);
        string rootPath = spec.Root?.Path ?? throw new SpecException(Origin, "root.path: required");
        string rootfs = Path.GetFullPath(rootPath, bundle);
        if (host.KindOf(rootfs) != EntryKind.Directory) throw new SpecException(Origin, $"root.path: {rootfs} is not a directory");
        var process = Process(spec.Process ?? throw new SpecException(Origin, "process: required to create a container"), Origin, rootfs, host, options);

        var (created, joins) = Namespaces(spec.Linux?.Namespaces ?? []);
        if (!created.HasFlag(Ns.Mount)) throw new SpecException(Origin, "linux.namespaces: a mount namespace is required");
        var users = UserMappingOf(spec, created, options);
        // --hardened: a config without a user namespace of its own gets ours, and its rootfs (the image, owned
        // by the host's root) is id-mapped into it.
        bool idMapRoot = false;
        if (users is null && options.Hardened)
        {
            if (options.UsernsRemap is { } name) users = HardenedUsers.Remap(name, host.ReadLines);
            else
            {
                HardenedUsers.CheckHost(host.ReadLines);
                users = HardenedUsers.Mapping;
            }
            idMapRoot = true;
        }
        if (users is not null)
        {
            created |= Ns.User;
            CheckMapped(process, users);
        }
        if (spec.Hostname is { Length: > 0 } && !created.HasFlag(Ns.Uts))
            throw new SpecException(Origin, "hostname: needs a new uts namespace");

        return new ContainerPlan
        {
            Id = id,
            Bundle = bundle,
            RootFs = rootfs,
            RootReadOnly = spec.Root!.Readonly,
            RootPropagation = spec.Linux?.RootfsPropagation is { Length: > 0 } p ? Propagation(p) : 0,
            NewNamespaces = created,
            Joins = joins,
            Users = users,
            IdMappedRoot = idMapRoot,
            Mounts = [.. (spec.Mounts ?? []).Select((m, i) => InUserNamespace(Mount(m, i, rootfs, host), created))],
            Devices = Devices(spec.Linux?.Devices ?? [], rootfs, host),
            Masked = [.. (spec.Linux?.MaskedPaths ?? []).Select(path => Masked(path, rootfs, host)).OfType<MaskedPath>()],
            ReadOnlyPaths = [.. (spec.Linux?.ReadonlyPaths ?? []).Where(path => Masked(path, rootfs, host) is not null)],
            Sysctls = Sysctls(spec.Linux?.Sysctl, created),
            Hostname = spec.Hostname is { Length: > 0 } h ? h : null,
            Domainname = spec.Domainname is { Length: > 0 } d ? d : null,
            Process = process,
            Seccomp = OciSeccomp.Compile(bundle, spec.Linux?.Seccomp, options),
            CgroupsPath = spec.Linux?.CgroupsPath,
            Resources = Resources(spec.Linux?.Resources),
            Hooks = spec.Hooks ?? new OciHooks(),
            Annotations = spec.Annotations ?? [],
        };
    }

    /// <summary>A process object (config.json's, or the one `exec --process` reads) resolved.</summary>
    public static ContainerProcess Process(OciProcess process, string origin, string rootfs, IHostView host, OciRuntimeOptions options)
    {
        OciSupport.CheckProcess(process, origin);
        if (process.Args is not { Count: > 0 } args) throw new SpecException(origin, "process.args: at least one argument is required");
        var env = process.Env ?? [];
        uint uid = process.User?.Uid ?? 0;
        // HOME as runc sets it when the environment has none: the user's home in the container's /etc/passwd.
        if (!env.Any(e => e.StartsWith("HOME=", StringComparison.Ordinal))) env = [.. env, "HOME=" + HomeOf(uid, rootfs, host)];
        string cwd = process.Cwd ?? "/";
        if (!cwd.StartsWith('/')) throw new SpecException(origin, "process.cwd: must be an absolute path");
        var caps = Capabilities(process.Capabilities);
        var warnings = new List<string>();
        // An ambient capability must be permitted and inheritable; runc raises the others and warns, as here.
        ulong raisable = caps.Ambient & caps.Permitted & caps.Inheritable;
        if (raisable != caps.Ambient)
        {
            var dropped = Enumerable.Range(0, 64).Where(b => ((caps.Ambient & ~raisable) >> b & 1) != 0)
                .Select(b => b < CapabilityNames.All.Length ? CapabilityNames.All[b] : $"capability {b}");
            warnings.Add($"process.capabilities.ambient: not raised (not both permitted and inheritable): {string.Join(", ", dropped)}");
            caps = caps with { Ambient = raisable };
        }
        return new ContainerProcess
        {
            Rlimits = [.. (process.Rlimits ?? []).Select(Rlimit)],
            Uid = uid,
            Gid = process.User?.Gid ?? 0,
            AdditionalGids = process.User?.AdditionalGids ?? [],
            Capabilities = caps,
            Warnings = warnings,
            NoNewPrivileges = process.NoNewPrivileges || options.Hardened,
            Cwd = cwd,
            Argv = args,
            ExecCandidates = EnvironmentPlanner.ExecCandidates(args[0], env),
            Env = env,
            OomScoreAdj = process.OomScoreAdj,
            Terminal = process.Terminal,
            ConsoleSize = process.ConsoleSize is { } size ? (size.Height, size.Width) : null,
        };
    }

    private static string HomeOf(uint uid, string rootfs, IHostView host)
    {
        string passwd = rootfs + SandboxPaths.Resolve("/etc/passwd", rootfs, EmptySet, host, Origin);
        foreach (string line in host.ReadLines(passwd) ?? [])
        {
            var f = line.Split(':');
            if (f.Length >= 7 && f[2] == uid.ToString(CultureInfo.InvariantCulture) && f[5].StartsWith('/')) return f[5];
        }
        return "/";
    }

    private static (Ns Created, List<NamespaceJoin> Joins) Namespaces(List<OciNamespace> list)
    {
        var created = Ns.None;
        var joins = new List<NamespaceJoin>();
        var seen = new HashSet<string>();
        foreach (var ns in list)
        {
            var kind = ns.Type switch
            {
                "pid" => Ns.Pid, "network" => Ns.Net, "mount" => Ns.Mount,
                "ipc" => Ns.Ipc, "uts" => Ns.Uts, "user" => Ns.User,
                "cgroup" => Ns.Cgroup,
                "time" => throw new SpecException(Origin, "linux.namespaces: a time namespace is not supported yet"),
                _ => throw new SpecException(Origin, $"linux.namespaces: unknown type '{ns.Type}'"),
            };
            if (!seen.Add(ns.Type)) throw new SpecException(Origin, $"linux.namespaces: '{ns.Type}' is given twice");
            if (ns.Path is not { Length: > 0 } path) created |= kind;
            else if (kind is Ns.Mount or Ns.User)
                throw new SpecException(Origin, $"linux.namespaces: joining a {ns.Type} namespace by path is not supported yet");
            else joins.Add(new NamespaceJoin(kind, path));
        }
        return (created, joins);
    }

    private static UserMapping? UserMappingOf(OciSpec spec, Ns created, OciRuntimeOptions options)
    {
        var uids = spec.Linux?.UidMappings ?? [];
        var gids = spec.Linux?.GidMappings ?? [];
        if (!created.HasFlag(Ns.User))
        {
            if (uids.Count > 0 || gids.Count > 0) throw new SpecException(Origin, "linux.uidMappings: given without a user namespace");
            return null;
        }
        // The kernel takes up to 340 lines in each map file (and refuses overlapping ones when they are written).
        if (uids.Count is 0 or > MaxRanges || gids.Count is 0 or > MaxRanges)
            throw new SpecException(Origin, $"linux.uidMappings, gidMappings: 1 to {MaxRanges} ranges each (the kernel's limit)");
        return new UserMapping([.. uids.Select(Map)], [.. gids.Select(Map)], AllowSetgroups: true);
    }

    private const int MaxRanges = 340;

    private static IdMap Map(OciIdMapping m) => m.Size == 0
        ? throw new SpecException(Origin, "linux.uidMappings, gidMappings: a range of size 0")
        : new IdMap(m.ContainerId, m.HostId, m.Size);

    // The process's ids must exist in the user namespace: setresuid to an unmapped id fails late and obscurely.
    private static void CheckMapped(ContainerProcess p, UserMapping users)
    {
        if (UserMapping.OutsideOf(users.Uids, p.Uid) is null) throw new SpecException(Origin, $"process.user.uid: {p.Uid} is not mapped in the container's user namespace");
        foreach (uint gid in p.AdditionalGids.Prepend(p.Gid))
            if (UserMapping.OutsideOf(users.Gids, gid) is null) throw new SpecException(Origin, $"process.user: gid {gid} is not mapped in the container's user namespace");
    }

    // A fresh sysfs needs the network namespace to belong to the user namespace: with a joined one (Docker's) the
    // host's /sys is bound instead, read-only and recursive, as runc does.
    private static ContainerMount InUserNamespace(ContainerMount m, Ns created)
    {
        if (!created.HasFlag(Ns.User) || created.HasFlag(Ns.Net) || m.FsType != "sysfs") return m;
        var options = m.Options with
        {
            Flags = m.Options.Flags | (MountFlags)(1 | 2 | 4 | 8), Data = null, Bind = true, Recursive = true,
        };
        return m with { Kind = ContainerMountKind.Bind, Source = "/sys", FsType = null, Options = options };
    }

    private static ContainerMount Mount(OciMount m, int index, string rootfs, IHostView host)
    {
        string origin = $"{Origin}: mounts[{index}]";
        if (m.Destination is not { Length: > 0 } dest || !dest.StartsWith('/'))
            throw new SpecException(origin, "destination: must be an absolute path");
        if (m.UidMappings is { Count: > 0 } || m.GidMappings is { Count: > 0 })
            throw new SpecException(origin, "uidMappings, gidMappings: id-mapped mounts are not supported yet");
        var options = MountOptions.Parse(m, origin);
        string target = rootfs + SandboxPaths.Resolve(dest, rootfs, EmptySet, host, origin);
        if (options.Bind)
        {
            if (m.Source is not { Length: > 0 } source) throw new SpecException(origin, "source: a bind mount needs one");
            if (host.KindOf(source) is not { } kind) throw new SpecException(origin, $"source: {source}: no such file or directory");
            if (options.HasFlagsBeyondAttributes)
                throw new SpecException(origin, "options: only ro, nosuid, nodev and noexec are supported on a bind mount yet");
            return new ContainerMount(ContainerMountKind.Bind, dest, target, source, null, options, kind != EntryKind.Directory);
        }
        return m.Type switch
        {
            "proc" or "sysfs" or "tmpfs" or "devpts" or "mqueue" or "cgroup2" =>
                new ContainerMount(ContainerMountKind.Filesystem, dest, target, m.Source ?? m.Type, m.Type, options, false),
            "cgroup" => new ContainerMount(ContainerMountKind.Cgroup, dest, target, null, null, options, false),
            null => throw new SpecException(origin, "type: required unless the options say bind"),
            _ => throw new SpecException(origin, $"type: '{m.Type}' is not supported (bind, proc, sysfs, tmpfs, devpts, mqueue, cgroup, cgroup2)"),
        };
    }

    private static readonly HashSet<string> EmptySet = [];

    // The devices every container gets (runtime-spec "Default Devices"), then the config's own.
    private static readonly (string Path, uint Major, uint Minor)[] DefaultDevices =
        [("/dev/null", 1, 3), ("/dev/zero", 1, 5), ("/dev/full", 1, 7), ("/dev/random", 1, 8), ("/dev/urandom", 1, 9), ("/dev/tty", 5, 0)];

    private static List<ContainerDevice> Devices(List<OciDevice> devices, string rootfs, IHostView host)
    {
        var result = new Dictionary<string, ContainerDevice>(StringComparer.Ordinal);
        foreach (var (path, major, minor) in DefaultDevices)
            result[path] = new ContainerDevice(rootfs + path, 0x2000 | 438, MakeDev(major, minor), path);
        foreach (var d in devices)
        {
            string origin = $"{Origin}: linux.devices {d.Path}";
            if (!d.Path.StartsWith("/dev/", StringComparison.Ordinal)) throw new SpecException(origin, "path: must be under /dev");
            uint type = d.Type switch
            {
                "c" or "u" => 0x2000u, "b" => 0x6000u, "p" => 0x1000u,
                _ => throw new SpecException(origin, $"type: '{d.Type}' (c, u, b or p)"),
            };
            if ((d.Uid ?? 0) != 0 || (d.Gid ?? 0) != 0) throw new SpecException(origin, "uid, gid: devices owned by other than root are not supported yet");
            string target = rootfs + SandboxPaths.Resolve(d.Path, rootfs, EmptySet, host, origin);
            result[d.Path] = new ContainerDevice(target, type | (d.FileMode ?? 438) & 4095, MakeDev((uint)d.Major, (uint)d.Minor), d.Path);
        }
        return [.. result.Values];
    }

    // The kernel's new_encode_dev, as glibc's makedev.
    private static ulong MakeDev(uint major, uint minor) =>
        ((ulong)(major & 0xfffff000) << 32) | ((ulong)(major & 0xfff) << 8) | ((ulong)(minor & 0xffffff00) << 12) | (minor & 0xff);

    // A path under /proc or /sys is looked at in the host's (the container gets fresh instances of the same
    // filesystems); anything else in the rootfs. A path that is not there is not masked, as with runc.
    private static MaskedPath? Masked(string path, string rootfs, IHostView host)
    {
        bool kernelFs = path.StartsWith("/proc/", StringComparison.Ordinal) || path.StartsWith("/sys/", StringComparison.Ordinal);
        var kind = host.KindOf(kernelFs ? path : rootfs + path);
        return kind is null ? null : new MaskedPath(path, kind == EntryKind.Directory);
    }

    // Only sysctls that belong to a namespace the container has of its own: anything else would set the host's.
    private static List<KeyValuePair<string, string>> Sysctls(Dictionary<string, string>? sysctls, Ns created)
    {
        var result = new List<KeyValuePair<string, string>>();
        foreach (var (key, value) in sysctls ?? [])
        {
            bool ipc = key is "kernel.msgmax" or "kernel.msgmnb" or "kernel.msgmni" or "kernel.sem" or "kernel.shmall" or "kernel.shmmax"
                or "kernel.shmmni" or "kernel.shm_rmid_forced" || key.StartsWith("fs.mqueue.", StringComparison.Ordinal);
            bool net = key.StartsWith("net.", StringComparison.Ordinal);
            bool uts = key is "kernel.domainname" or "kernel.hostname";
            var needed = ipc ? Ns.Ipc : net ? Ns.Net : uts ? Ns.Uts : Ns.None;
            if (needed == Ns.None) throw new SpecException(Origin, $"linux.sysctl: {key} is not namespaced: it would change the host");
            if (!created.HasFlag(needed)) throw new SpecException(Origin, $"linux.sysctl: {key} needs a new {FlagNames.Of(needed)} namespace");
            if (key.Contains("..", StringComparison.Ordinal) || key.Contains('/')) throw new SpecException(Origin, $"linux.sysctl: bad key {key}");
            result.Add(new("/proc/sys/" + key.Replace('.', '/'), value));
        }
        return result;
    }

    private static readonly Dictionary<string, int> RlimitNumbers = new(StringComparer.Ordinal)
    {
        ["RLIMIT_CPU"] = 0, ["RLIMIT_FSIZE"] = 1, ["RLIMIT_DATA"] = 2, ["RLIMIT_STACK"] = 3, ["RLIMIT_CORE"] = 4, ["RLIMIT_RSS"] = 5,
        ["RLIMIT_NPROC"] = 6, ["RLIMIT_NOFILE"] = 7, ["RLIMIT_MEMLOCK"] = 8, ["RLIMIT_AS"] = 9, ["RLIMIT_LOCKS"] = 10,
        ["RLIMIT_SIGPENDING"] = 11, ["RLIMIT_MSGQUEUE"] = 12, ["RLIMIT_NICE"] = 13, ["RLIMIT_RTPRIO"] = 14, ["RLIMIT_RTTIME"] = 15,
    };

    private static RlimitOp Rlimit(OciRlimit r)
    {
        if (!RlimitNumbers.TryGetValue(r.Type, out int n)) throw new SpecException(Origin, $"process.rlimits: unknown type '{r.Type}'");
        if (r.Soft > r.Hard) throw new SpecException(Origin, $"process.rlimits: {r.Type}: soft {r.Soft} is above hard {r.Hard}");
        return new RlimitOp((RlimitResource)n, r.Soft, r.Hard);
    }

    private static CapabilitySets Capabilities(OciCapabilities? caps) =>
        new(Mask(caps?.Bounding, "bounding"), Mask(caps?.Effective, "effective"), Mask(caps?.Permitted, "permitted"),
            Mask(caps?.Inheritable, "inheritable"), Mask(caps?.Ambient, "ambient"));

    private static ulong Mask(List<string>? names, string set)
    {
        ulong mask = 0;
        foreach (string name in names ?? [])
        {
            int bit = Array.IndexOf(CapabilityNames.All, name);
            if (bit < 0) throw new SpecException(Origin, $"process.capabilities.{set}: unknown capability '{name}'");
            mask |= 1ul << bit;
        }
        return mask;
    }

    private static MountFlags Propagation(string value)
    {
        var options = MountOptions.Parse(new OciMount { Type = "none", Options = [value] }, Origin);
        if (options.Propagation == 0) throw new SpecException(Origin, $"linux.rootfsPropagation: '{value}' is not a propagation");
        return options.Propagation;
    }

    private static ContainerResources Resources(OciResources? r)
    {
        if (r is null) return new ContainerResources(null, null, null, null, null, null, null, []);
        var cpu = r.Cpu;
        return new ContainerResources(
            Positive(r.Memory?.Limit), r.Memory?.Swap is -1 ? null : Positive(r.Memory?.Swap), Positive(r.Memory?.Reservation),
            r.Pids is { Limit: > 0 } pids ? pids.Limit : null,
            cpu?.Shares is > 0 ? cpu.Shares : null, cpu?.Quota is > 0 ? cpu.Quota : null, cpu?.Period is > 0 ? cpu.Period : null,
            r.Devices is { Count: > 0 } rules ? [.. rules, .. DefaultDeviceRules] : [])
        {
            Cpus = cpu?.Cpus is { Length: > 0 } cpus ? CpusetList.Check(cpus, "linux.resources.cpu.cpus") : null,
            Mems = cpu?.Mems is { Length: > 0 } mems ? CpusetList.Check(mems, "linux.resources.cpu.mems") : null,
            Hugepages = ContainerCgroup.HugepageLimits(r.HugepageLimits, "linux.resources.hugepageLimits", Origin),
        };
    }

    // The devices every container gets must be usable whatever the rules say (runc appends the same): the default
    // nodes, /dev/console, /dev/pts/* and /dev/ptmx.
    private static readonly OciDeviceRule[] DefaultDeviceRules =
    [
        .. DefaultDevices.Select(d => new OciDeviceRule { Allow = true, Type = "c", Major = d.Major, Minor = d.Minor, Access = "rwm" }),
        new() { Allow = true, Type = "c", Major = 5, Minor = 1, Access = "rwm" },
        new() { Allow = true, Type = "c", Major = 5, Minor = 2, Access = "rwm" },
        new() { Allow = true, Type = "c", Major = 136, Minor = null, Access = "rwm" },
    ];

    private static long? Positive(long? value) => value is > 0 ? value : null;

    public static string Format(ulong n) => n.ToString(CultureInfo.InvariantCulture);
}
