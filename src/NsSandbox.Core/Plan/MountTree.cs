namespace NsSandbox.Core.Plan;

/// <summary>What backs a mount of the sandbox's tree: a tmpfs the sandbox made (where entries may be created), a
/// host tree bound in (read from the host, never written), or a filesystem the plan cannot see into (proc, sysfs).</summary>
public enum Backing { Ours, Host, Opaque }

/// <summary>One mount as the plan knows it. A host mount's entries are the host's at <see cref="HostPath"/>; a
/// sealed one of ours is made read-only once every mount is in place.</summary>
public sealed record TreeMount(string Path, Backing Backing, string? HostPath = null, bool Writable = false, bool Seal = false);

/// <summary>What a sandbox path is, as far as the plan can tell (Unknown: inside an opaque mount).</summary>
public enum TreeEntry { Missing, Directory, File, Symlink, Unknown }

/// <summary>The sandbox's tree as the plan builds it, mount by mount: which mount covers a path and what lies
/// there, so that a mount point is resolved, found or made exactly where it will be in the sandbox. Entries of
/// host mounts are looked up on the host (the launcher reads them, the sandbox never writes them); entries of our
/// tmpfs mounts are the ones the plan made.</summary>
public sealed class MountTree(IHostView host)
{
    private readonly Dictionary<string, TreeMount> _mounts = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (TreeEntry Kind, string? Link)> _made = new(StringComparer.Ordinal);

    public IEnumerable<TreeMount> Mounts => _mounts.Values;

    /// <summary>A mount at its path: what was there below it is hidden (its mounts and the entries made in it).</summary>
    public void Mount(TreeMount mount)
    {
        string below = mount.Path == "/" ? "/" : mount.Path + "/";
        foreach (string p in _mounts.Keys.Where(p => p.StartsWith(below, StringComparison.Ordinal)).ToList()) _mounts.Remove(p);
        foreach (string p in _made.Keys.Where(p => p.StartsWith(below, StringComparison.Ordinal)).ToList()) _made.Remove(p);
        _mounts[mount.Path] = mount;
    }

    /// <summary>A shadow: a tmpfs over a directory whose entries are bound into it again, so what lay below stays
    /// as it was (the mounts below are copied, not hidden). <see cref="Reexpose"/> records the entries.</summary>
    public void Shadow(TreeMount mount) => _mounts[mount.Path] = mount;

    /// <summary>An entry of a shadow, bound from where it was: a host entry unless a mount was already there.</summary>
    public void Reexpose(string path, TreeMount hostEntry) => _mounts.TryAdd(path, hostEntry);

    public void Made(string path, TreeEntry kind, string? link = null) => _made[path] = (kind, link);

    /// <summary>The mount whose tree holds the path: the deepest one at or above it.</summary>
    public TreeMount OwnerOf(string path)
    {
        for (string p = path; ; p = Parent(p))
        {
            if (_mounts.TryGetValue(p, out var m)) return m;
            if (p == "/") throw new InvalidOperationException("the tree has no root mount");
        }
    }

    /// <summary>The host path behind a sandbox path inside a host mount.</summary>
    public string HostPathOf(string path, TreeMount owner) =>
        path == owner.Path ? owner.HostPath! : owner.HostPath!.TrimEnd('/') + path[owner.Path.Length..];

    /// <summary>What is at the path (a final symlink not followed), and a symlink's text.</summary>
    public (TreeEntry Kind, string? Link) Lookup(string path)
    {
        var owner = OwnerOf(path);
        if (owner.Backing == Backing.Opaque) return (path == owner.Path ? TreeEntry.Directory : TreeEntry.Unknown, null);
        if (owner.Backing == Backing.Ours)
            return path == owner.Path ? (TreeEntry.Directory, null) : _made.GetValueOrDefault(path, (TreeEntry.Missing, null));
        string hostPath = HostPathOf(path, owner);
        if (path != owner.Path && host.ReadLink(hostPath) is { } link) return (TreeEntry.Symlink, link);
        return (host.KindOf(hostPath) switch
        {
            null => TreeEntry.Missing,
            EntryKind.Directory => TreeEntry.Directory,
            _ => TreeEntry.File,
        }, null);
    }

    /// <summary>A symlink's text at the path, for <see cref="SandboxPaths"/>.</summary>
    public string? ReadLink(string path) => Lookup(path) is (TreeEntry.Symlink, var link) ? link : null;

    public static string Parent(string path) => path.LastIndexOf('/') is var i and > 0 ? path[..i] : "/";

    public static string Join(string dir, string name) => dir == "/" ? "/" + name : dir + "/" + name;

    /// <summary>Whether <paramref name="path"/> is <paramref name="dir"/> or below it.</summary>
    public static bool IsWithin(string path, string dir) =>
        dir == "/" || path == dir || (path.Length > dir.Length && path[dir.Length] == '/' && path.StartsWith(dir, StringComparison.Ordinal));
}
