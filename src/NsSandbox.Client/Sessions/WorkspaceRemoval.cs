namespace NsSandbox.Client;

/// <summary>Removes a session's workspace: the kept /data and the run directory around it (STATE/runs/ID/data),
/// which the launcher no longer tracks once kept. Directory.Delete does not follow symbolic links, so links the
/// sandboxed code left are removed, never their targets.</summary>
internal static class WorkspaceRemoval
{
    public static void Remove(string dataDirectory)
    {
        string? runDirectory = Path.GetDirectoryName(dataDirectory);
        bool isRunData = Path.GetFileName(dataDirectory) == "data" &&
            Path.GetFileName(Path.GetDirectoryName(runDirectory)) == "runs";
        string target = isRunData ? runDirectory! : dataDirectory;
        try
        {
            Directory.Delete(target, recursive: true);
        }
        catch (UnauthorizedAccessException)
        {
            // A directory the sandbox made unwritable (an unprivileged launcher maps the sandbox to our own uid,
            // so there is no root to override it): make each writable again, then remove.
            foreach (string dir in Directory.EnumerateDirectories(target, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = FileAttributes.ReparsePoint }).Prepend(target))
                File.SetUnixFileMode(dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            Directory.Delete(target, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }
}
