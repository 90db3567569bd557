using NsSandbox.Linux;

namespace NsSandbox.Core.Plan;

/// <summary>Turns the spec's filesystem into mount operations. The new root is a small tmpfs skeleton: the
/// chroot's top-level entries are bound into it (symlinks stay symlinks), then /dev, /proc, /tmp, /data and
/// the user's mounts, and the skeleton is made read-only last. Nothing is ever created in the host's tree: a
/// mount point missing below a read-only host directory is made in a shadow of that directory (ADR 11).
/// Bind sources are detached first (as the launcher's identity, which may traverse the state directory);
/// everything after the skeleton happens relative to it, as the sandbox's user, whose ids are mapped in the
/// new user namespace (files a process with unmapped ids creates there fail with EOVERFLOW).</summary>
public static class FilesystemPlanner
{
    /// <summary>Top-level names the sandbox provides itself instead of taking them from the chroot.</summary>
    public static readonly IReadOnlySet<string> Reserved = new HashSet<string> { "proc", "dev", "tmp", "data", "sys" };

    private static readonly string[] Devices = ["null", "zero", "full", "random", "urandom"];
    private static readonly (string Name, string Target)[] DevLinks =
        [("fd", "/proc/self/fd"), ("stdin", "/proc/self/fd/0"), ("stdout", "/proc/self/fd/1"), ("stderr", "/proc/self/fd/2")];

    private const MountFlags Hardened = MountFlags.NoSuid | MountFlags.NoDev;

    /// <param name="users">the id maps of the sandbox's user namespace; null without one (or to map the
    /// sandbox's ids to themselves)</param>
    public static IReadOnlyList<MountOp> Build(SandboxSpec spec, uint uid, uint gid, RunPaths paths, IHostView host, UserMapping? users = null)
    {
        string? chroot = spec.Chroot;
        var topLevel = chroot is null ? [] : host.ListDirectory(chroot).Where(e => !Reserved.Contains(e.Name)).ToList();
        // An optional bind whose source is missing is left out (nsjail's mandatory: false).
        var mounts = spec.Mounts.Select((m, i) => (Spec: m, Origin: spec.OriginOf($"mount{i}", "--bindmount")))
            .Where(m => m.Spec.Type != MountType.Bind || !m.Spec.Optional || host.KindOf(m.Spec.Source!) is not null).ToList();
        // A bind or tmpfs at /dev replaces the sandbox's own /dev (the spec has put it before any mount inside it).
        var dev = mounts.FirstOrDefault(m => m.Spec.Target == "/dev");
        mounts.RemoveAll(m => m.Spec.Target == "/dev");
        var devBind = dev.Spec is { Type: MountType.Bind } bind ? bind : null;
        if (devBind is not null && host.KindOf(host.FollowLink(devBind.Source!)) != EntryKind.Directory)
            throw new SpecException(dev.Origin, $"{devBind.Source} is not a directory, so it cannot be the sandbox's /dev");
        if (mounts.FirstOrDefault(m => m.Spec.IsContent && m.Spec.Source is null) is { Spec: { } unplaced })
            throw new InvalidOperationException($"the file for {unplaced.Target} has no place in the run directory");
        var b = new MountPlanBuilder(host, StagingName(topLevel, spec.Mounts), new ShadowAccess(
            users is null ? uid : UserMapping.OutsideOf(users.Uids, uid) ?? uid, users is null ? gid : UserMapping.OutsideOf(users.Gids, gid) ?? gid));

        // Phase 1: detach copies of every bind source before the skeleton exists, so that no copy of a
        // recursive tree (the chroot's /var, say) contains the skeleton itself.
        var topHandles = new Dictionary<string, int>();
        foreach (var e in topLevel.Where(e => e.Kind is EntryKind.Directory or EntryKind.File))
            topHandles[e.Name] = b.Clone(Path.Combine(chroot!, e.Name), e.Kind == EntryKind.Directory,
                spec.ReadWrite ? MountAttributes.NoSuid : MountAttributes.ReadOnly | MountAttributes.NoSuid);
        bool hostSys = chroot is not null && !spec.Namespaces.HasFlag(Namespaces.Net) && host.KindOf(Path.Combine(chroot, "sys")) == EntryKind.Directory;
        int sysHandle = hostSys ? b.Clone(Path.Combine(chroot!, "sys"), true, MountAttributes.ReadOnly | MountAttributes.NoSuid) : -1;
        // A host directory bound as /dev keeps its submounts (a /dev/pts, /dev/shm), as nsjail's bind does.
        int devBindHandle = devBind is null ? -1 : b.Clone(host.FollowLink(devBind.Source!), true, BindAttributes(devBind));
        var devHandles = devBind is not null ? [] : Devices.Select(d => b.Clone("/dev/" + d, false, MountAttributes.NoSuid)).ToList();
        int dataHandle = paths.DataDir is null ? -1 : b.Clone(paths.DataDir, false, MountAttributes.NoSuid | MountAttributes.NoDev);
        var userHandles = mounts.Select(m => m.Spec.Type is MountType.Bind or MountType.File
            ? b.Clone(host.FollowLink(m.Spec.Source!), true, BindAttributes(m.Spec)) : -1).ToList();

        // Phase 2: the skeleton, which becomes the working directory; from here on paths are relative to it,
        // so nothing after this looks up a path through the host's tree (stage 2 is the sandbox's user now).
        // It is mounted before stage 2 switches ids, so it is given to the sandbox's user explicitly.
        string owner = spec.Namespaces.HasFlag(Namespaces.User) ? $",uid={uid},gid={gid}" : "";
        b.Add(new MountOp(MountOpKind.Skeleton, paths.RootMountPoint) { Data = "mode=0755,size=1m" + owner, Flags = Hardened });
        b.Tree.Mount(new TreeMount("/", Backing.Ours));
        foreach (var e in topLevel)
        {
            string target = "/" + e.Name;
            switch (e.Kind)
            {
                case EntryKind.Directory or EntryKind.File:
                    b.MakeEntry(target, e.Kind == EntryKind.Directory ? TreeEntry.Directory : TreeEntry.File, target);
                    b.Attach(topHandles[e.Name], target);
                    b.Tree.Mount(new TreeMount(target, Backing.Host, Path.Combine(chroot!, e.Name), Writable: spec.ReadWrite));
                    break;
                case EntryKind.Symlink:
                    b.MakeEntry(target, TreeEntry.Symlink, target, e.LinkTarget);
                    break;
            }
        }

        // Phase 3: what the sandbox provides.
        b.MakeEntry("/dev", TreeEntry.Directory, "/dev");
        if (devBind is not null)
        {
            b.Attach(devBindHandle, "/dev");
            b.Tree.Mount(new TreeMount("/dev", Backing.Host, b.FollowLink(devBind.Source!), Writable: !devBind.ReadOnly));
        }
        else
        {
            CheckMapped(dev.Spec?.TmpfsUid, users?.Uids, "uid", dev.Origin);
            CheckMapped(dev.Spec?.TmpfsGid, users?.Gids, "gid", dev.Origin);
            b.Add(new MountOp(MountOpKind.Tmpfs, b.Host("/dev"))
            {
                // 0755 unless a mode is given, as a /dev is: in a sticky, world-writable directory (a tmpfs's own
                // default, 1777) the kernel refuses to open a device node its owner does not own.
                Data = dev.Spec is { } tmpfs ? TmpfsData(tmpfs with { TmpfsMode = tmpfs.TmpfsMode ?? Modes.Directory }) : "mode=0755,size=64k",
                Flags = Hardened | (dev.Spec is { NoExec: false } ? 0 : MountFlags.NoExec),
            });
            b.Tree.Mount(new TreeMount("/dev", Backing.Ours));
            for (int i = 0; i < Devices.Length; i++)
            {
                string node = "/dev/" + Devices[i];
                b.MakeEntry(node, TreeEntry.File, node);
                b.Attach(devHandles[i], node);
                b.Tree.Mount(new TreeMount(node, Backing.Host, node, Writable: true));
            }
            foreach (var (name, target) in DevLinks) b.MakeEntry("/dev/" + name, TreeEntry.Symlink, "/dev/" + name, target);
            b.MakeEntry("/dev/shm", TreeEntry.Directory, "/dev/shm");
            b.Tmpfs("/dev/shm", $"mode=1777,size={spec.TmpSizeBytes}", Hardened, seal: false);
        }

        b.MakeEntry("/proc", TreeEntry.Directory, "/proc");
        if (spec.MountProc && spec.ProcPath == "/proc") b.Add(ProcOp(b.Host("/proc"), spec.ProcReadWrite));
        b.Tree.Mount(new TreeMount("/proc", Backing.Opaque));

        // A fresh sysfs shows the sandbox's own network devices, not the host's; it can only be mounted by the
        // owner of a new network namespace, so without one the chroot's /sys is bound instead.
        b.MakeEntry("/sys", TreeEntry.Directory, "/sys");
        if (spec.Namespaces.HasFlag(Namespaces.Net))
            b.Add(new MountOp(MountOpKind.Sysfs, b.Host("/sys")) { Flags = Hardened | MountFlags.NoExec | MountFlags.ReadOnly });
        else if (sysHandle >= 0)
            b.Attach(sysHandle, "/sys");
        b.Tree.Mount(new TreeMount("/sys", Backing.Opaque));

        b.MakeEntry("/tmp", TreeEntry.Directory, "/tmp");
        b.Tmpfs("/tmp", $"mode=1777,size={spec.TmpSizeBytes}", Hardened, seal: false);

        b.MakeEntry("/data", TreeEntry.Directory, "/data");
        if (dataHandle >= 0)
        {
            b.Attach(dataHandle, "/data");
            b.Tree.Mount(new TreeMount("/data", Backing.Host, paths.DataDir, Writable: true));
        }
        else b.Tmpfs("/data", $"mode=0700,size={spec.TmpSizeBytes}", Hardened, seal: false);

        // Phase 4: /proc elsewhere (--proc_path), then the user's mounts, in the order given, each at its target
        // as resolved inside the sandbox's tree at that point.
        if (spec.MountProc && spec.ProcPath != "/proc")
        {
            string at = b.Resolve(spec.ProcPath, spec.OriginOf("proc_path", "--proc_path"), followLast: true);
            if (b.MakeEntry(at, TreeEntry.Directory, spec.OriginOf("proc_path", "--proc_path")))
            {
                b.Add(ProcOp(b.Host(at), spec.ProcReadWrite));
                b.Tree.Mount(new TreeMount(at, Backing.Opaque));
            }
        }
        for (int i = 0; i < mounts.Count; i++)
            PlaceMount(b, spec, mounts[i].Spec, mounts[i].Origin, userHandles[i], users);

        // Phase 5: seal what is read-only (shadows, read-only tmpfs mounts), the skeleton and /dev, then switch.
        foreach (var m in b.Tree.Mounts.Where(m => m.Seal).OrderBy(m => m.Path, StringComparer.Ordinal))
            b.Add(new MountOp(MountOpKind.SetAttributes, b.Host(m.Path)) { Attributes = MountAttributes.ReadOnly });
        b.RemoveStaging();
        // /dev is read-only unless the mount that replaced it says rw (a bound /dev's read-only is recursive already).
        if (dev.Spec is not { ReadOnly: false })
            b.Add(new MountOp(MountOpKind.SetAttributes, b.Host("/dev")) { Attributes = MountAttributes.ReadOnly });
        b.Add(new MountOp(MountOpKind.SetAttributes, b.Root) { Attributes = MountAttributes.ReadOnly });
        b.Add(new MountOp(MountOpKind.PivotRoot, b.Root));
        return b.Ops;
    }

    private static void PlaceMount(MountPlanBuilder b, SandboxSpec spec, MountSpec m, string origin, int handle, UserMapping? users)
    {
        if (m.Type == MountType.Symlink)
        {
            // The link itself is made, not followed: only the directories on the way are resolved.
            string name = Path.GetFileName(m.Target);
            string link = MountTree.Join(b.Resolve(MountTree.Parent(m.Target), origin, followLast: true), name);
            b.MakeEntry(link, TreeEntry.Symlink, origin, m.Source, m.Optional);
            return;
        }
        string target = b.Resolve(m.Target, origin, followLast: true);
        if (target is "/" or "/dev" or "/proc" || (spec.MountProc && target == spec.ProcPath))
            throw new SpecException(origin, $"mount target {m.Target} is {target}, which the sandbox provides");
        switch (m.Type)
        {
            case MountType.Bind or MountType.File:
                // A missing source fails its detached copy first, naming it; its mount point is never reached.
                var kind = m.IsContent ? EntryKind.File : b.HostKind(m.Source!);
                bool directory = kind is EntryKind.Directory || (kind is null && m.IsDirectory != false);
                if (m.IsDirectory is { } wanted && wanted != directory && kind is not null)
                    throw new SpecException(origin, $"is_dir is {(wanted ? "true" : "false")}, but {m.Source} is {(directory ? "a directory" : "not a directory")}");
                if (!b.MakeEntry(target, directory ? TreeEntry.Directory : TreeEntry.File, origin, optional: m.Optional)) return;
                b.Attach(handle, target);
                b.Tree.Mount(new TreeMount(target, Backing.Host, b.FollowLink(m.Source!), Writable: !m.ReadOnly));
                break;
            case MountType.Tmpfs:
                if (m.IsDirectory == false) throw new SpecException(origin, $"is_dir is false, but a tmpfs is mounted on a directory");
                CheckMapped(m.TmpfsUid, users?.Uids, "uid", origin);
                CheckMapped(m.TmpfsGid, users?.Gids, "gid", origin);
                if (!b.MakeEntry(target, TreeEntry.Directory, origin, optional: m.Optional)) return;
                b.Tmpfs(target, TmpfsData(m), Hardened | (m.NoExec ? MountFlags.NoExec : 0), seal: m.ReadOnly);
                break;
            case MountType.Proc:
                if (!b.MakeEntry(target, TreeEntry.Directory, origin, optional: m.Optional)) return;
                b.Add(ProcOp(b.Host(target), !m.ReadOnly));
                b.Tree.Mount(new TreeMount(target, Backing.Opaque));
                break;
        }
    }

    /// <summary>A tmpfs's mount data: nsjail's options as the kernel takes them.</summary>
    private static string TmpfsData(MountSpec m)
    {
        string data = $"mode={Modes.Octal(m.TmpfsMode ?? 0x3FF)}";
        if (m.TmpfsSizeBytes > 0) data += $",size={m.TmpfsSizeBytes}";
        if (m.TmpfsInodes is { } inodes) data += $",nr_inodes={inodes}";
        if (m.TmpfsUid is { } u) data += $",uid={u}";
        if (m.TmpfsGid is { } g) data += $",gid={g}";
        return data;
    }

    /// <summary>A tmpfs's owner must be an id of the sandbox's user namespace, or the mount fails (EINVAL).</summary>
    private static void CheckMapped(uint? id, IReadOnlyList<IdMap>? maps, string name, string origin)
    {
        if (id is { } v && maps is not null && UserMapping.OutsideOf(maps, v) is null)
            throw new SpecException(origin, $"{name}={v} is not mapped in the sandbox's user namespace (its {name} map: {string.Join(", ", maps.Select(m => $"{m.Inside}:{m.Outside}:{m.Count}"))})");
    }

    private static MountAttributes BindAttributes(MountSpec m) =>
        (m.ReadOnly ? MountAttributes.ReadOnly : 0) | MountAttributes.NoSuid
        | (m.NoExec ? MountAttributes.NoExec : 0) | (m.NoDev ? MountAttributes.NoDev : 0);

    private static MountOp ProcOp(string at, bool writable) =>
        new(MountOpKind.Proc, at) { Flags = Hardened | MountFlags.NoExec | (writable ? 0 : MountFlags.ReadOnly) };

    /// <summary>The skeleton's entry where shadows are assembled before they are moved into place: a name no
    /// top-level entry or mount target uses (it is removed before the switch).</summary>
    private static string StagingName(IEnumerable<HostEntry> topLevel, IEnumerable<MountSpec> mounts)
    {
        var taken = topLevel.Select(e => e.Name).Concat(mounts.Select(m => m.Target.Split('/', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault() ?? "")).ToHashSet();
        string name = ".nssandbox-shadow";
        for (int i = 1; taken.Contains(name); i++) name = $".nssandbox-shadow-{i}";
        return name;
    }
}

/// <summary>The ids whose permissions a shadow's root grants (the sandbox's ids outside its user namespace).</summary>
public sealed record ShadowAccess(uint OutsideUid, uint OutsideGid);

/// <summary>Permission bits (C# has no octal literals).</summary>
internal static class Modes
{
    public const uint File = 0x1A4;      // 0644
    public const uint Directory = 0x1ED; // 0755

    /// <summary>As mount options and chmod write it: 0755, 1777.</summary>
    public static string Octal(uint mode) => Convert.ToString(mode, 8).PadLeft(4, '0');
}
