using NsSandbox.Linux;

namespace NsSandbox.Core.Plan;

/// <summary>Turns the spec's filesystem into mount operations. The new root is a small tmpfs skeleton: the
/// chroot's top-level entries are bound into it (symlinks stay symlinks), then /dev, /proc, /tmp, /data and
/// the user's mounts, and the skeleton is made read-only last. Nothing is ever created in the host's tree.
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

    public static IReadOnlyList<MountOp> Build(SandboxSpec spec, uint uid, uint gid, RunPaths paths, IHostView host)
    {
        var b = new Builder();
        string? chroot = spec.Chroot;
        var topLevel = chroot is null ? [] : host.ListDirectory(chroot).Where(e => !Reserved.Contains(e.Name)).ToList();
        // Targets resolved inside the sandbox's root; an optional bind whose source is missing is left out
        // (nsjail's mandatory: false).
        var mounts = spec.Mounts
            .Select((m, i) => m with { Target = SandboxPaths.Resolve(m.Target, chroot, Reserved, host, spec.OriginOf($"mount{i}", "--bindmount")) })
            .Where(m => !m.Optional || host.KindOf(m.Source!) is not null).ToList();
        if (mounts.FirstOrDefault(m => m.IsContent && m.Source is null) is { } unplaced)
            throw new InvalidOperationException($"the file for {unplaced.Target} has no place in the run directory");

        // Phase 1: detach copies of every bind source before the skeleton exists, so that no copy of a
        // recursive tree (the chroot's /var, say) contains the skeleton itself.
        var topHandles = new Dictionary<string, int>();
        foreach (var e in topLevel.Where(e => e.Kind is EntryKind.Directory or EntryKind.File))
            topHandles[e.Name] = b.Clone(Path.Combine(chroot!, e.Name), e.Kind == EntryKind.Directory,
                spec.ReadWrite ? MountAttributes.NoSuid : MountAttributes.ReadOnly | MountAttributes.NoSuid);
        bool hostSys = chroot is not null && !spec.Namespaces.HasFlag(Namespaces.Net) && host.KindOf(Path.Combine(chroot, "sys")) == EntryKind.Directory;
        int sysHandle = hostSys ? b.Clone(Path.Combine(chroot!, "sys"), true, MountAttributes.ReadOnly | MountAttributes.NoSuid) : -1;
        var devHandles = Devices.Select(d => b.Clone("/dev/" + d, false, MountAttributes.NoSuid)).ToList();
        int dataHandle = paths.DataDir is null ? -1 : b.Clone(paths.DataDir, false, MountAttributes.NoSuid | MountAttributes.NoDev);
        var userHandles = mounts.Select(m => m.IsTmpfs ? -1
            : b.Clone(host.FollowLink(m.Source!), true, (m.ReadOnly ? MountAttributes.ReadOnly : 0) | MountAttributes.NoSuid)).ToList();

        // Phase 2: the skeleton, which becomes the working directory; from here on paths are relative to it,
        // so nothing after this looks up a path through the host's tree (stage 2 is the sandbox's user now).
        // It is mounted before stage 2 switches ids, so it is given to the sandbox's user explicitly.
        string owner = spec.Namespaces.HasFlag(Namespaces.User) ? $",uid={uid},gid={gid}" : "";
        b.Add(new MountOp(MountOpKind.Skeleton, paths.RootMountPoint) { Data = "mode=0755,size=1m" + owner, Flags = Hardened });
        b.Track("/", creatable: true);
        foreach (var e in topLevel)
        {
            string target = "/" + e.Name;
            switch (e.Kind)
            {
                case EntryKind.Directory or EntryKind.File:
                    b.MountPoint(target, e.Kind == EntryKind.Directory);
                    b.Attach(topHandles[e.Name], target, creatable: false);
                    break;
                case EntryKind.Symlink:
                    b.Add(new MountOp(MountOpKind.Symlink, b.Host(target)) { Source = e.LinkTarget });
                    break;
            }
        }

        // Phase 3: what the sandbox provides.
        b.MountPoint("/dev", true);
        b.Add(new MountOp(MountOpKind.Tmpfs, b.Host("/dev")) { Data = "mode=0755,size=64k", Flags = Hardened | MountFlags.NoExec });
        b.Track("/dev", creatable: true);
        for (int i = 0; i < Devices.Length; i++)
        {
            b.MountPoint("/dev/" + Devices[i], false);
            b.Attach(devHandles[i], "/dev/" + Devices[i], creatable: false);
        }
        foreach (var (name, target) in DevLinks)
            b.Add(new MountOp(MountOpKind.Symlink, b.Host("/dev/" + name)) { Source = target });
        b.MountPoint("/dev/shm", true);
        b.Tmpfs("/dev/shm", $"mode=1777,size={spec.TmpSizeBytes}");

        b.MountPoint("/proc", true);
        if (spec.MountProc)
            b.Add(new MountOp(MountOpKind.Proc, b.Host("/proc")) { Flags = Hardened | MountFlags.NoExec });
        b.Track("/proc", creatable: false);

        // A fresh sysfs shows the sandbox's own network devices, not the host's; it can only be mounted by the
        // owner of a new network namespace, so without one the chroot's /sys is bound instead.
        b.MountPoint("/sys", true);
        if (spec.Namespaces.HasFlag(Namespaces.Net))
            b.Add(new MountOp(MountOpKind.Sysfs, b.Host("/sys")) { Flags = Hardened | MountFlags.NoExec | MountFlags.ReadOnly });
        else if (sysHandle >= 0)
            b.Attach(sysHandle, "/sys", creatable: false);
        b.Track("/sys", creatable: false);

        b.MountPoint("/tmp", true);
        b.Tmpfs("/tmp", $"mode=1777,size={spec.TmpSizeBytes}");

        b.MountPoint("/data", true);
        if (dataHandle >= 0) b.Attach(dataHandle, "/data", creatable: false);
        else b.Tmpfs("/data", $"mode=0700,size={spec.TmpSizeBytes}");

        // Phase 4: the user's mounts, in the order given.
        for (int i = 0; i < mounts.Count; i++)
        {
            var m = mounts[i];
            // A device node (a GPU, /dev/kvm) is bound on a file, like a regular file.
            bool directory = m.IsTmpfs || (!m.IsContent && host.KindOf(m.Source!) is EntryKind.Directory or null);
            b.MountPoint(m.Target, directory);
            if (m.IsTmpfs) b.Tmpfs(m.Target, m.TmpfsSizeBytes > 0 ? $"mode=1777,size={m.TmpfsSizeBytes}" : "mode=1777");
            else b.Attach(userHandles[i], m.Target, creatable: false);
        }

        // Phase 5: seal the skeleton and /dev, then switch to it.
        b.Add(new MountOp(MountOpKind.SetAttributes, b.Host("/dev")) { Attributes = MountAttributes.ReadOnly });
        b.Add(new MountOp(MountOpKind.SetAttributes, b.Root) { Attributes = MountAttributes.ReadOnly });
        b.Add(new MountOp(MountOpKind.PivotRoot, b.Root));
        return b.Ops;
    }

    /// <summary>Accumulates operations and remembers which mounted paths are ours (a tmpfs the sandbox made,
    /// where missing mount points may be created) and which are the host's (where they must already exist).</summary>
    private sealed class Builder
    {
        private readonly List<(string Path, bool Creatable)> _mounts = [];
        private int _nextHandle;

        /// <summary>The skeleton: stage 2's working directory once it is mounted.</summary>
        public string Root => ".";
        public List<MountOp> Ops { get; } = [];

        public void Add(MountOp op) => Ops.Add(op);

        /// <summary>Where a sandbox path is before pivot_root: relative to the skeleton.</summary>
        public string Host(string sandboxPath) => sandboxPath == "/" ? Root : Root + sandboxPath;

        public void Track(string sandboxPath, bool creatable) => _mounts.Add((sandboxPath, creatable));

        public int Clone(string source, bool recursive, MountAttributes attributes)
        {
            int handle = _nextHandle++;
            Add(new MountOp(MountOpKind.CloneTree, source) { Source = source, Handle = handle, Recursive = recursive });
            if (attributes != MountAttributes.None)
                Add(new MountOp(MountOpKind.SetTreeAttributes, source) { Handle = handle, Attributes = attributes, Recursive = recursive });
            return handle;
        }

        public void Attach(int handle, string sandboxPath, bool creatable)
        {
            Add(new MountOp(MountOpKind.AttachTree, Host(sandboxPath)) { Handle = handle });
            Track(sandboxPath, creatable);
        }

        public void Tmpfs(string sandboxPath, string data)
        {
            Add(new MountOp(MountOpKind.Tmpfs, Host(sandboxPath)) { Data = data, Flags = Hardened });
            Track(sandboxPath, creatable: true);
        }

        /// <summary>Makes sure a mount point exists: created (with missing parents) inside one of our tmpfs
        /// mounts, required to exist inside a host-backed one.</summary>
        public void MountPoint(string sandboxPath, bool directory)
        {
            var (owner, creatable) = _mounts.Last(m => IsWithin(sandboxPath, m.Path));
            if (!creatable)
            {
                Add(new MountOp(MountOpKind.RequireExisting, Host(sandboxPath)) { Directory = directory });
                return;
            }
            string relative = sandboxPath[owner.TrimEnd('/').Length..].Trim('/');
            string current = owner.TrimEnd('/');
            string[] parts = relative.Split('/');
            for (int i = 0; i < parts.Length; i++)
            {
                current += "/" + parts[i];
                bool last = i == parts.Length - 1;
                Add(last && !directory
                    ? new MountOp(MountOpKind.MakeFile, Host(current)) { Mode = Modes.File, Directory = false }
                    : new MountOp(MountOpKind.MakeDir, Host(current)) { Mode = Modes.Directory });
            }
        }

        // Without concatenating mount + "/": this runs for every mount point against every mount so far.
        private static bool IsWithin(string path, string mount) =>
            mount == "/" || path == mount
            || (path.Length > mount.Length && path[mount.Length] == '/' && path.StartsWith(mount, StringComparison.Ordinal));
    }
}

/// <summary>Permission bits (C# has no octal literals).</summary>
internal static class Modes
{
    public const uint File = 0x1A4;      // 0644
    public const uint Directory = 0x1ED; // 0755
}
