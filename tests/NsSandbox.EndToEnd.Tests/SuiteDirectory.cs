namespace NsSandbox.EndToEnd.Tests;

/// <summary>The one host directory this run of the suite keeps its files in: state directories, temp files,
/// bind sources, the probe. Its name (nss-e2e-PID-RANDOM under the temp directory) is this run's alone, so the
/// leak checks look at its mounts only and cannot be tripped by another suite or launcher on the machine.
/// Mode 0755 like a directory the sandbox's nobody can pass through, as it could through /tmp before.</summary>
public static class SuiteDirectory
{
    private static int _count;

    public static string Root { get; } = Create();

    /// <summary>The root's name, which no other run of the suite has.</summary>
    public static string Token => Path.GetFileName(Root);

    /// <summary>A new empty directory (mode 0700, as Directory.CreateTempSubdirectory makes) under the root.</summary>
    public static string NewDirectory(string prefix)
    {
        string path = Path.Combine(Root, $"{prefix}{Interlocked.Increment(ref _count)}");
        if (Directory.Exists(path)) throw new IOException($"{path} already exists");
        Directory.CreateDirectory(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return path;
    }

    /// <summary>The lines of /proc/self/mountinfo that mention <paramref name="path"/> as a mount point or as
    /// the mounted directory (field 4, the root of a bind mount), or below it.</summary>
    public static List<string> MountsUnder(string path) => File.ReadAllLines("/proc/self/mountinfo")
        .Where(line => line.Split(' ') is { Length: > 4 } f && (IsWithin(f[3], path) || IsWithin(f[4], path)))
        .ToList();

    /// <summary>Mount lines that name the suite's root anywhere: under it, bound from it, on any filesystem.</summary>
    public static List<string> MountsOfTheSuite() =>
        File.ReadAllLines("/proc/self/mountinfo").Where(line => line.Contains(Token, StringComparison.Ordinal)).ToList();

    private static bool IsWithin(string field, string path) =>
        field == path || field.StartsWith(path.TrimEnd('/') + "/", StringComparison.Ordinal);

    private static string Create()
    {
        string root = Directory.CreateTempSubdirectory($"nss-e2e-{Environment.ProcessId}-").FullName;
        File.SetUnixFileMode(root, (UnixFileMode)0x1ED); // 0755
        return root;
    }
}
