namespace NsSandbox.Core.Plan;

public enum EntryKind { Directory, File, Symlink, Other }

public sealed record HostEntry(string Name, EntryKind Kind, string? LinkTarget = null);

/// <summary>A path's permission bits (with setuid, setgid and sticky) and owner.</summary>
public sealed record HostOwner(uint Mode, uint Uid, uint Gid);

/// <summary>What the planner reads of the host: directory listings, rlimits, the environment. Behind an
/// interface so plans can be tested without the host's actual state.</summary>
public interface IHostView
{
    /// <summary>The entries of a directory (not following symlinks), sorted by name; throws when unreadable.</summary>
    IReadOnlyList<HostEntry> ListDirectory(string path);
    /// <summary>The target of a symlink as written, or null when the path is not one (or does not exist).</summary>
    string? ReadLink(string path);
    /// <summary>The path with a final symlink followed to what it points to (the path itself otherwise).</summary>
    string FollowLink(string path);
    /// <summary>What a bind source is, following symlinks; null when it does not exist.</summary>
    EntryKind? KindOf(string path);
    /// <summary>The permission bits and owner of a path (a final symlink not followed); null when it does not exist.</summary>
    HostOwner? OwnerOf(string path);
    (ulong Soft, ulong Hard) GetRlimit(RlimitResource resource);
    string? GetEnvironmentVariable(string name);
    IReadOnlyList<KeyValuePair<string, string>> Environment { get; }
    /// <summary>The lines of a text file (a chroot's /etc/passwd), or null when it does not exist.</summary>
    IEnumerable<string>? ReadLines(string path);
    /// <summary>The CPUs the launcher may run on.</summary>
    IReadOnlyList<int> CpuAffinity { get; }
    uint EffectiveUid { get; }
    uint EffectiveGid { get; }
}
