using NsSandbox.Linux;

namespace NsSandbox.Core.Plan;

/// <summary>Accumulates a plan's mount operations and the tree they build (<see cref="MountTree"/>), and makes
/// mount points: inside our own tmpfs mounts they are created; inside a read-only host directory that lacks
/// one, the directory is shadowed first (ADR 11): a tmpfs holding its entries bound again, moved over it, where
/// the new mount point is made. Nothing is created in a host tree.</summary>
internal sealed class MountPlanBuilder(IHostView host, string stagingName, ShadowAccess access)
{
    private const MountFlags Hardened = MountFlags.NoSuid | MountFlags.NoDev;
    private int _nextHandle;
    private bool _stagingMade;

    public MountTree Tree { get; } = new(host);

    /// <summary>The skeleton: stage 2's working directory once it is mounted.</summary>
    public string Root => ".";
    public List<MountOp> Ops { get; } = [];

    public void Add(MountOp op) => Ops.Add(op);

    /// <summary>Where a sandbox path is before pivot_root: relative to the skeleton.</summary>
    public string Host(string sandboxPath) => sandboxPath == "/" ? Root : Root + sandboxPath;

    public EntryKind? HostKind(string path) => host.KindOf(path);

    public string FollowLink(string path) => host.FollowLink(path);

    public string Resolve(string target, string origin, bool followLast) => SandboxPaths.Resolve(target, Tree.ReadLink, origin, followLast);

    public int Clone(string source, bool recursive, MountAttributes attributes)
    {
        int handle = _nextHandle++;
        Add(new MountOp(MountOpKind.CloneTree, source) { Source = source, Handle = handle, Recursive = recursive });
        if (attributes != MountAttributes.None)
            Add(new MountOp(MountOpKind.SetTreeAttributes, source) { Handle = handle, Attributes = attributes, Recursive = recursive });
        return handle;
    }

    public void Attach(int handle, string sandboxPath) => Add(new MountOp(MountOpKind.AttachTree, Host(sandboxPath)) { Handle = handle });

    public void Tmpfs(string sandboxPath, string data, MountFlags flags, bool seal)
    {
        Add(new MountOp(MountOpKind.Tmpfs, Host(sandboxPath)) { Data = data, Flags = flags });
        Tree.Mount(new TreeMount(sandboxPath, Backing.Ours, Seal: seal));
    }

    /// <summary>Makes sure an entry of <paramref name="kind"/> is at <paramref name="path"/> (resolved: no symlink
    /// on the way): created with its missing parents inside our mounts, shadowing a read-only host directory that
    /// lacks it, required to exist elsewhere. A symlink is always made and must not exist yet. Returns false
    /// when an optional mount's entry cannot be made (the mount is left out).</summary>
    public bool MakeEntry(string path, TreeEntry kind, string origin, string? link = null, bool optional = false)
    {
        string parent = "/";
        string? missing = null;
        var found = TreeEntry.Directory;
        foreach (string part in path.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            string p = MountTree.Join(parent, part);
            found = Tree.Lookup(p).Kind;
            if (found == TreeEntry.Missing)
            {
                missing = p;
                break;
            }
            if (p == path) break;
            if (found is TreeEntry.File or TreeEntry.Symlink)
                return Refuse(optional, origin, $"mount point {path}: {p} is not a directory");
            parent = p;
        }

        if (missing is null)
        {
            if (found == TreeEntry.Unknown && kind == TreeEntry.Symlink)
                return Refuse(optional, origin, $"cannot make the symlink {path}: {Tree.OwnerOf(path).Path} is not a tree the sandbox makes entries in");
            if (kind == TreeEntry.Symlink)
                // The same link is there already (nsjail configs make /dev/fd, which the sandbox's /dev has).
                return Tree.Lookup(path) is (TreeEntry.Symlink, var text) && text == link
                    || Refuse(optional, origin, $"cannot make the symlink {path}: something is there already");
            bool directory = kind == TreeEntry.Directory;
            if (found is TreeEntry.Directory or TreeEntry.File or TreeEntry.Symlink && (found == TreeEntry.Directory) != directory)
                return Refuse(optional, origin, $"mount point {path} is {(found == TreeEntry.Directory ? "a directory" : "not a directory")}, "
                    + $"but what is mounted there is {(directory ? "a directory" : "not a directory")}");
            var owner = Tree.OwnerOf(path);
            Add(owner.Backing == Backing.Ours
                ? directory ? new MountOp(MountOpKind.MakeDir, Host(path)) { Mode = Modes.Directory }
                    : new MountOp(MountOpKind.MakeFile, Host(path)) { Mode = Modes.File, Directory = false }
                : new MountOp(MountOpKind.RequireExisting, Host(path)) { Directory = directory });
            return true;
        }

        string under = MountTree.Parent(missing);
        var container = Tree.OwnerOf(under);
        if (container.Backing == Backing.Host)
        {
            if (container.Writable)
                return Refuse(optional, origin, $"mount point {path} does not exist, and {under} is a writable host directory, "
                    + $"where nothing is made for the sandbox: create {missing} there first");
            Shadow(under, container, origin);
        }
        for (string p = missing; ; p = MountTree.Join(p, path[(p.Length + 1)..].Split('/')[0]))
        {
            bool last = p == path;
            var made = last ? kind : TreeEntry.Directory;
            Add(made switch
            {
                TreeEntry.Symlink => new MountOp(MountOpKind.Symlink, Host(p)) { Source = link },
                TreeEntry.File => new MountOp(MountOpKind.MakeFile, Host(p)) { Mode = Modes.File, Directory = false },
                _ => new MountOp(MountOpKind.MakeDir, Host(p)) { Mode = Modes.Directory },
            });
            Tree.Made(p, made, made == TreeEntry.Symlink ? link : null);
            if (last) return true;
        }
    }

    /// <summary>Covers the read-only host directory <paramref name="dir"/> with a tmpfs that holds each of its entries
    /// again (directories and files bound from where they are, with what is mounted in them; symlinks made anew), so
    /// the sandbox sees the same directory, in which mount points can now be made. The tmpfs is assembled at a
    /// staging entry of the skeleton and moved over the directory; it is sealed read-only at the end.</summary>
    private void Shadow(string dir, TreeMount owner, string origin)
    {
        string hostDir = Tree.HostPathOf(dir, owner);
        IReadOnlyList<HostEntry> entries;
        try
        {
            entries = host.ListDirectory(hostDir);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or KernelException)
        {
            throw new SpecException(origin, $"cannot read {dir} to make a mount point in it: {e.Message}");
        }
        string staging = "/" + stagingName;
        if (!_stagingMade) Add(new MountOp(MountOpKind.MakeDir, Host(staging)) { Mode = Modes.Directory });
        _stagingMade = true;
        var mode = host.OwnerOf(hostDir) is { } o ? Mode(o) : Modes.Directory;
        // Long symlink targets take a page each; directories and empty files take none.
        ulong size = (1UL << 20) + 4096UL * (ulong)entries.Count(e => e.Kind == EntryKind.Symlink);
        Add(new MountOp(MountOpKind.Tmpfs, Host(staging)) { Data = $"mode={Modes.Octal(mode)},size={size}", Flags = Hardened });

        var exposed = new List<(string Path, string Name, TreeEntry Kind, string? Link)>();
        foreach (var e in entries)
        {
            string p = MountTree.Join(dir, e.Name), at = staging + "/" + e.Name;
            var (kind, link) = Tree.Lookup(p);
            switch (kind)
            {
                case TreeEntry.Directory or TreeEntry.File:
                    Add(kind == TreeEntry.Directory ? new MountOp(MountOpKind.MakeDir, Host(at)) { Mode = Modes.Directory }
                        : new MountOp(MountOpKind.MakeFile, Host(at)) { Mode = Modes.File, Directory = false });
                    // The tree at the entry as it is in the sandbox now, mounts below it included; its attributes
                    // (read-only, nosuid) come with the copy.
                    Attach(Clone(Host(p), recursive: true, MountAttributes.None), at);
                    break;
                case TreeEntry.Symlink:
                    Add(new MountOp(MountOpKind.Symlink, Host(at)) { Source = link });
                    break;
                default:
                    continue; // gone since it was listed
            }
            exposed.Add((p, e.Name, kind, link));
        }
        Add(new MountOp(MountOpKind.Move, Host(dir)) { Source = Host(staging) });

        Tree.Shadow(new TreeMount(dir, Backing.Ours, Seal: true));
        foreach (var (p, name, kind, link) in exposed)
        {
            if (kind == TreeEntry.Symlink) Tree.Made(p, kind, link);
            else Tree.Reexpose(p, new TreeMount(p, Backing.Host, MountTree.Join(hostDir, name)));
        }
    }

    /// <summary>The staging entry is empty once every shadow has moved away from it.</summary>
    public void RemoveStaging()
    {
        if (_stagingMade) Add(new MountOp(MountOpKind.RemoveDirectory, Host("/" + stagingName)));
    }

    /// <summary>A shadow's permission bits: what the host directory's bits grant the sandbox's user (as owner, group
    /// or other), for everyone, so that the copy lists and enters no more than the original did.</summary>
    private uint Mode(HostOwner o)
    {
        if (access.OutsideUid == 0) return o.Mode;
        uint bits = o.Uid == access.OutsideUid ? (o.Mode >> 6) & 7 : o.Gid == access.OutsideGid ? (o.Mode >> 3) & 7 : o.Mode & 7;
        return (o.Mode & 0xE00) | bits << 6 | bits << 3 | bits;
    }

    private static bool Refuse(bool optional, string origin, string message) =>
        optional ? false : throw new SpecException(origin, message);
}
