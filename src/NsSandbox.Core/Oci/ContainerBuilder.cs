using NsSandbox.Linux;
using NsSandbox.Linux.Stage2Code;

namespace NsSandbox.Core.Oci;

/// <summary>What a container's stage 2 does, compiled in the runtime (before the clone) into the program the
/// native stage 2 runs: the rootfs and its mounts, devices, sysctls, a pause for the hooks, pivot_root, masked
/// and read-only paths, credentials, then it waits in the exec fifo for `start` and execs.</summary>
public static class ContainerBuilder
{
    private const int ORdWr = 2;
    private const ulong MsRec = 16384, MsPrivate = 1 << 18, MsBind = 4096;

    public static Stage2Program Compile(ContainerPlan plan, string fifo, IReadOnlyList<CgroupMountSource> cgroupSources)
    {
        var writer = new ProgramWriter(timing: false, describe: false, plan.Mounts.Count * 3 + plan.Devices.Count + 48);
        Build(plan, fifo, cgroupSources, writer);
        return writer.Finish();
    }

    public static void Build(ContainerPlan plan, string fifo, IReadOnlyList<CgroupMountSource> cgroupSources, IContainerKernel k)
    {
        // Nothing done below may reach the host's mounts.
        k.Mount(null, "/", null, (MountFlags)(MsRec | MsPrivate), null);
        var at = (string path) => path;
        var trees = new int?[plan.Mounts.Count];
        int fifoSlot = -1;
        bool userNs = plan.NewNamespaces.HasFlag(Namespaces.User);
        if (userNs)
        {
            // In a user namespace, what is made from here on (mount points, tmpfs, devpts, nodes' files) must
            // belong to container root, so stage 2 becomes it (mapped ids, as runc does) before it makes anything;
            // the host's paths it needs (bind sources, the fifo, the rootfs under the engine's 0710 directories)
            // are opened first, and the rest is reached from inside the rootfs by relative paths. A rootfs the
            // runtime id-mapped into the namespace (--hardened) goes over the engine's first.
            if (plan.IdMappedRoot) k.AttachTree(k.ReceiveTree(plan.RootFs), plan.RootFs);
            else k.Mount(plan.RootFs, plan.RootFs, null, (MountFlags)(MsBind | MsRec), null);
            for (int i = 0; i < plan.Mounts.Count; i++)
                if (plan.Mounts[i].Kind == ContainerMountKind.Bind) trees[i] = CloneBind(k, plan.Mounts[i]);
            fifoSlot = k.Open(fifo, ORdWr);
            k.ChangeDirectory(plan.RootFs);
            k.SetIds(0, 0);
            at = path => InRoot(plan.RootFs, path);
        }
        else
        {
            k.Mount(plan.RootFs, plan.RootFs, null, (MountFlags)(MsBind | MsRec), null);
        }
        for (int i = 0; i < plan.Mounts.Count; i++)
        {
            var m = plan.Mounts[i];
            MountOne(k, userNs ? OwnedByContainerRoot(m) : m, at(m.Target), trees[i], cgroupSources);
        }
        foreach (var d in plan.Devices)
        {
            if (userNs)
            {
                // mknod means nothing in a user namespace: the host's node is bound instead.
                k.EnsureFile(at(d.Target), 384);
                int tree = k.CloneTree(d.HostPath, recursive: false);
                k.AttachTree(tree, at(d.Target));
            }
            else
            {
                k.MakeNode(d.Target, d.Mode, d.Device);
            }
        }
        DevSymlinks(k, plan, at);
        if (!userNs) foreach (var (path, value) in plan.Sysctls) k.WriteFile(path, value); // else the runtime writes them
        if (plan.Hostname is { } host) k.SetHostname(host);
        if (plan.Domainname is { } domain) k.WriteFile("/proc/sys/kernel/domainname", domain);
        if (plan.Hooks.Prestart is { Count: > 0 } || plan.Hooks.CreateRuntime is { Count: > 0 } || plan.Hooks.CreateContainer is { Count: > 0 }) k.Pause();
        if (fifoSlot < 0) fifoSlot = k.Open(fifo, ORdWr);

        k.ChangeDirectory(at(plan.RootFs));
        k.PivotRoot(".", ".");
        k.Unmount(".", detach: true);
        k.ChangeDirectory("/");
        foreach (var masked in plan.Masked)
        {
            if (masked.Directory)
            {
                k.Mount("tmpfs", masked.Path, "tmpfs", MountFlags.ReadOnly, null);
            }
            else
            {
                int tree = k.CloneTree("/dev/null", recursive: false);
                k.AttachTree(tree, masked.Path);
            }
        }
        foreach (string path in plan.ReadOnlyPaths)
        {
            int tree = k.CloneTree(path, recursive: true);
            k.SetTreeAttributes(tree, MountAttributes.ReadOnly | MountAttributes.NoSuid | MountAttributes.NoDev | MountAttributes.NoExec, recursive: true);
            k.AttachTree(tree, path);
        }
        if (plan.RootReadOnly) k.SetMountAttributes("/", MountAttributes.ReadOnly, recursive: false);
        if (plan.RootPropagation != 0) k.Mount(null, "/", null, plan.RootPropagation, null);

        BuildProcess(plan.Process, plan.Users is null || plan.Users.AllowSetgroups, plan.Seccomp, k);
        k.AwaitFifo(fifoSlot);
        Exec(plan.Process, plan.Seccomp, k);
    }

    /// <summary>The process's own set-up, for a container's first process and for an exec: limits, a new
    /// session (and its terminal), groups, ids, capabilities, the working directory, and an early check that
    /// the command exists. A user namespace whose gid map was written with setgroups denied cannot set groups.</summary>
    public static void BuildProcess(ContainerProcess p, bool groupsAllowed, Plan.SeccompProgram seccomp, IContainerKernel k)
    {
        // Without no_new_privs, loading a filter needs CAP_SYS_ADMIN: it is loaded before the ids and
        // capabilities change (runc's order), and what follows must be allowed by it.
        if (!p.NoNewPrivileges && seccomp.Filter is { } early) k.LoadSeccomp(early, seccomp.Flags);
        var caps = p.Capabilities;
        k.KeepBoundingCapabilities(caps.Bounding);
        foreach (var r in p.Rlimits) k.SetRlimit(r.Resource, r.Soft, r.Hard);
        k.NewSession();
        if (p.Terminal)
        {
            k.OpenTerminal();
            k.SetControllingTerminal(0);
        }
        if (groupsAllowed) k.SetSupplementaryGroups(p.AdditionalGids);
        k.KeepCapabilitiesOnIdChange(true);
        k.SetIds(p.Uid, p.Gid);
        k.SetCapabilities(caps.Effective, caps.Permitted, caps.Inheritable, caps.Ambient);
        k.ChangeDirectory(p.Cwd);
        k.FindExecutable(p.ExecCandidates, p.Argv[0]);
    }

    /// <summary>The exec: with no_new_privs and the filter loaded last, or without either (loaded early).</summary>
    public static void Exec(ContainerProcess p, Plan.SeccompProgram seccomp, IContainerKernel k)
    {
        if (p.NoNewPrivileges) k.Exec(p.ExecCandidates, p.Argv, p.Env, seccomp.Filter, seccomp.Flags);
        else k.ExecKeepingPrivileges(p.ExecCandidates, p.Argv, p.Env);
    }

    private static int CloneBind(IContainerKernel k, ContainerMount m)
    {
        int tree = k.CloneTree(m.Source!, m.Options.Recursive);
        // Read-only means every mount below too (runc's "ro" bind leaves submounts writable).
        if (m.Options.Attributes != 0) k.SetTreeAttributes(tree, m.Options.Attributes, recursive: true);
        return tree;
    }

    // A host path inside the rootfs as stage 2 reaches it from the rootfs it has made its working directory.
    private static string InRoot(string rootfs, string path) =>
        path == rootfs ? "." : path.StartsWith(rootfs + "/", StringComparison.Ordinal) ? "." + path[rootfs.Length..]
            : throw new InvalidOperationException($"{path} is not inside the rootfs {rootfs}");

    private static void MountOne(IContainerKernel k, ContainerMount m, string target, int? cloned, IReadOnlyList<CgroupMountSource> cgroupSources)
    {
        m = m with { Target = target };
        MakeMountPoint(k, m.Target, m.MakeFile);
        switch (m.Kind)
        {
            case ContainerMountKind.Bind:
                k.AttachTree(cloned ?? CloneBind(k, m), m.Target);
                break;
            case ContainerMountKind.Filesystem:
                k.Mount(m.Source, m.Target, m.FsType, m.Options.Flags, m.Options.Data);
                break;
            case ContainerMountKind.Cgroup:
                // The container's own cgroup directories, read-only, where the host's hierarchies would be
                // (runc's layout on cgroup v1 without a cgroup namespace).
                k.Mount("tmpfs", m.Target, "tmpfs", MountFlags.NoSuid | MountFlags.NoDev | MountFlags.NoExec, "mode=755");
                foreach (var source in cgroupSources)
                {
                    string dir = m.Target + "/" + source.Name;
                    k.EnsureDirectory(dir, 493);
                    int t = k.CloneTree(source.HostPath, recursive: false);
                    k.SetTreeAttributes(t, m.Options.Attributes | MountAttributes.NoSuid | MountAttributes.NoDev | MountAttributes.NoExec, recursive: true);
                    k.AttachTree(t, dir);
                }
                if (m.Options.ReadOnly) k.SetMountAttributes(m.Target, MountAttributes.ReadOnly, recursive: false);
                break;
        }
        if (m.Options.Propagation != 0) k.Mount(null, m.Target, null, m.Options.Propagation, null);
    }

    // A tmpfs belongs to its maker's fsuid, which the kernel takes when the mount is made: named explicitly, it is
    // container root's whatever stage 2's ids are at that point.
    private static ContainerMount OwnedByContainerRoot(ContainerMount m)
    {
        if (m.FsType != "tmpfs") return m;
        var data = (m.Options.Data ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries).ToList();
        if (!data.Any(o => o.StartsWith("uid=", StringComparison.Ordinal))) data.Add("uid=0");
        if (!data.Any(o => o.StartsWith("gid=", StringComparison.Ordinal))) data.Add("gid=0");
        return m with { Options = m.Options with { Data = string.Join(',', data) } };
    }

    // Mount points are made in the rootfs (the container's own tree, as runc does); the path was resolved
    // inside the rootfs when planned, so no link leads out of it.
    private static void MakeMountPoint(IContainerKernel k, string target, bool file)
    {
        var parts = target.Split('/', StringSplitOptions.RemoveEmptyEntries);
        bool relative = target.StartsWith("./", StringComparison.Ordinal); // parts[0] is "." then
        string path = relative ? "." : "";
        for (int i = relative ? 1 : 0; i < parts.Length - 1; i++)
        {
            path += "/" + parts[i];
            k.EnsureDirectory(path, 493);
        }
        if (file) k.EnsureFile(target, 420);
        else k.EnsureDirectory(target, 493);
    }

    private static void DevSymlinks(IContainerKernel k, ContainerPlan plan, Func<string, string> at)
    {
        string dev = at(plan.RootFs + "/dev");
        foreach (var (link, to) in new[] { ("fd", "/proc/self/fd"), ("stdin", "/proc/self/fd/0"), ("stdout", "/proc/self/fd/1"), ("stderr", "/proc/self/fd/2") })
            k.MakeSymlink(to, dev + "/" + link);
        if (plan.Mounts.Any(m => m.Destination == "/dev/pts")) k.MakeSymlink("pts/ptmx", dev + "/ptmx");
    }
}

/// <summary>A cgroup directory of the container's, bound at /sys/fs/cgroup/Name inside it.</summary>
public sealed record CgroupMountSource(string Name, string HostPath);
