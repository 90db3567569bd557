namespace NsSandbox.Core.Supervision;

/// <summary>Recursive removal of a directory the sandbox wrote into: symlinks are removed, never followed, and
/// permissions the sandbox took away are given back first.</summary>
public static class SafeDelete
{
    public static void Remove(string path)
    {
        var info = new DirectoryInfo(path);
        if (!info.Exists && info.LinkTarget is null) return;
        RemoveEntry(info);
    }

    private static void RemoveEntry(FileSystemInfo entry)
    {
        if (entry is DirectoryInfo dir && entry.LinkTarget is null)
        {
            // A root without CAP_DAC_OVERRIDE (a container) cannot enter nobody's 0700 directories, whatever
            // their mode: with CAP_CHOWN it takes them over first. Without either, the listing below says so.
            Linux.FileOwnership.TryTake(dir.FullName);
            TryOpenUp(dir);
            foreach (var child in dir.EnumerateFileSystemInfos()) RemoveEntry(child);
            dir.Delete();
        }
        else
        {
            entry.Delete();
        }
    }

    private static void TryOpenUp(DirectoryInfo dir)
    {
        try
        {
            dir.UnixFileMode |= UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            // Root needs no permission bits; others get the error from the listing.
        }
    }
}
