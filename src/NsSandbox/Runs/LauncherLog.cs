namespace NsSandbox.Runs;

/// <summary>--log FILE: the launcher's own messages (errors, notices, mode listen's connection lines) are appended
/// to FILE instead of going to stderr. The sandbox's stderr is not the launcher's and stays where it was.</summary>
public static class LauncherLog
{
    /// <summary>Opens the file and makes it the launcher's stderr writer; null without --log.</summary>
    public static IDisposable? Redirect(SandboxSpec spec)
    {
        if (spec.LogPath is not { } path) return null;
        StreamWriter writer;
        try
        {
            writer = new StreamWriter(new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite)) { AutoFlush = true };
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new SpecException(spec.OriginOf("log", "--log"), $"cannot open {path}: {e.Message}");
        }
        var stderr = Console.Error;
        Console.SetError(TextWriter.Synchronized(writer));
        return new Restore(writer, stderr);
    }

    private sealed class Restore(StreamWriter writer, TextWriter stderr) : IDisposable
    {
        public void Dispose()
        {
            Console.SetError(stderr);
            writer.Dispose();
        }
    }
}
