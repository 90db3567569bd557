namespace NsSandbox.Client;

/// <summary>Finds the nssandbox binary: the configured path, else $NSSANDBOX_BIN, else the first nssandbox on
/// $PATH; a clear error naming all three when none is there.</summary>
internal static class BinaryLocator
{
    public const string EnvironmentVariable = "NSSANDBOX_BIN";
    public const string Name = "nssandbox";

    public static string Find(string? configured, Func<string, string?> environment)
    {
        if (!string.IsNullOrEmpty(configured))
            return File.Exists(configured) ? Path.GetFullPath(configured)
                : throw new NsSandboxNotFoundException($"nssandbox not found at {configured} (NsSandboxClientOptions.BinaryPath)");
        if (environment(EnvironmentVariable) is { Length: > 0 } fromEnv)
            return File.Exists(fromEnv) ? Path.GetFullPath(fromEnv)
                : throw new NsSandboxNotFoundException($"nssandbox not found at {fromEnv} (${EnvironmentVariable})");
        string path = environment("PATH") ?? "";
        foreach (string dir in path.Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            string candidate = Path.Combine(dir, Name);
            if (File.Exists(candidate)) return Path.GetFullPath(candidate);
        }
        throw new NsSandboxNotFoundException(
            $"nssandbox not found: set NsSandboxClientOptions.BinaryPath or ${EnvironmentVariable}, or put it on the PATH ({path})");
    }
}
