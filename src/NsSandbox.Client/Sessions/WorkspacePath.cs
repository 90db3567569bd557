namespace NsSandbox.Client;

/// <summary>A path inside a session's workspace, given relative to /data: checked here so that a caller's
/// mistake is an ArgumentException rather than a file in an unexpected place.</summary>
internal static class WorkspacePath
{
    public const string Root = "/data";

    public static string Inside(string relative)
    {
        ArgumentException.ThrowIfNullOrEmpty(relative);
        if (relative.StartsWith('/') || relative.Contains('\0'))
            throw new ArgumentException($"'{relative}' is not a path relative to the workspace", nameof(relative));
        var parts = relative.Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length == 0 || parts.Any(p => p is "." or ".."))
            throw new ArgumentException($"'{relative}' leaves the workspace or names it", nameof(relative));
        return Root + "/" + string.Join('/', parts);
    }
}
