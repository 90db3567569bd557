using NsSandbox.Linux;

namespace NsSandbox.Core.Plan;

/// <summary>The host as it is.</summary>
public sealed class RealHostView : IHostView
{
    public IReadOnlyList<HostEntry> ListDirectory(string path)
    {
        var entries = new List<HostEntry>();
        foreach (var (name, type) in DirectoryEntries.Read(path))
        {
            EntryKind kind = type switch
            {
                FileType.Directory => EntryKind.Directory,
                FileType.Regular => EntryKind.File,
                FileType.Symlink => EntryKind.Symlink,
                _ => EntryKind.Other,
            };
            entries.Add(new HostEntry(name, kind, kind == EntryKind.Symlink ? DirectoryEntries.LinkTarget(Path.Combine(path, name)) : null));
        }
        entries.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
        return entries;
    }

    public EntryKind? KindOf(string path) => FileTypes.Of(path, followSymlinks: true) switch
    {
        null => null,
        FileType.Directory => EntryKind.Directory,
        FileType.Regular => EntryKind.File,
        _ => EntryKind.Other,
    };

    public HostOwner? OwnerOf(string path) => FileTypes.Owner(path) is var (mode, uid, gid) ? new HostOwner(mode, uid, gid) : null;

    public string? ReadLink(string path) => DirectoryEntries.LinkTarget(path);

    public string FollowLink(string path)
    {
        try
        {
            return File.ResolveLinkTarget(path, returnFinalTarget: true)?.FullName ?? path;
        }
        catch (IOException)
        {
            return path; // a dangling or looping link: the bind reports it by name
        }
    }

    public (ulong Soft, ulong Hard) GetRlimit(RlimitResource resource) => Rlimits.Get(resource);

    public string? GetEnvironmentVariable(string name) => System.Environment.GetEnvironmentVariable(name);

    public IReadOnlyList<KeyValuePair<string, string>> Environment
    {
        get
        {
            var list = new List<KeyValuePair<string, string>>();
            foreach (System.Collections.DictionaryEntry e in System.Environment.GetEnvironmentVariables())
                list.Add(new((string)e.Key, (string?)e.Value ?? ""));
            list.Sort((a, b) => string.CompareOrdinal(a.Key, b.Key));
            return list;
        }
    }

    public IEnumerable<string>? ReadLines(string path) => File.Exists(path) ? File.ReadLines(path) : null;

    public IReadOnlyList<int> CpuAffinity => Linux.CpuAffinity.Get();
    public uint EffectiveUid => Identity.EffectiveUid;
    public uint EffectiveGid => Identity.EffectiveGid;
}
