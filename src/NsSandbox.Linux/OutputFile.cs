namespace NsSandbox.Linux;

/// <summary>Writes a file the user named (a report, a pid file) so that a reader never sees half of it: a new
/// file and a regular one are replaced whole (a temporary file renamed over it). Anything else already there (a
/// device such as /dev/null, a fifo, a terminal) is written in place: a rename would replace the node itself,
/// and as root that would turn the host's /dev/null into a regular file.</summary>
public static class OutputFile
{
    public static void Write(string path, string text)
    {
        string full = Path.GetFullPath(path);
        var type = FileTypes.Of(full, followSymlinks: true);
        if (type is not null and not FileType.Regular)
        {
            File.WriteAllText(full, text);
            return;
        }
        string temp = full + ".tmp-" + Environment.ProcessId;
        try
        {
            File.WriteAllText(temp, text);
            File.Move(temp, full, overwrite: true);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
    }
}
