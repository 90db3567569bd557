namespace NsSandbox.Client.Tests;

/// <summary>The host's live processes whose environment holds an entry: a test's sandboxed processes, marked
/// with <see cref="TestSandbox.Marker"/>, and nobody else's.</summary>
public static class HostProcesses
{
    public static List<int> WithEnvironmentEntry(string entry)
    {
        var found = new List<int>();
        foreach (string dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out int pid)) continue;
            try
            {
                if (IsZombie(dir)) continue;
                if (File.ReadAllText(Path.Combine(dir, "environ")).Split('\0').Contains(entry)) found.Add(pid);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // gone meanwhile
            }
        }
        return found;
    }

    /// <summary>How many sandboxes (pid namespaces) the marked processes live in.</summary>
    public static int SandboxesWith(string entry) => WithEnvironmentEntry(entry)
        .Select(pid =>
        {
            try { return new FileInfo($"/proc/{pid}/ns/pid").LinkTarget; }
            catch (IOException) { return null; }
        })
        .Where(ns => ns is not null).Distinct().Count();

    /// <summary>Waits up to <paramref name="timeout"/> for the marked processes to be gone; those still there.</summary>
    public static async Task<List<int>> GoneWithin(string entry, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        List<int> left;
        while ((left = WithEnvironmentEntry(entry)).Count > 0 && DateTime.UtcNow < deadline)
            await Task.Delay(50);
        return left;
    }

    private static bool IsZombie(string dir)
    {
        string stat = File.ReadAllText(Path.Combine(dir, "stat"));
        return stat[(stat.LastIndexOf(')') + 2)..].StartsWith('Z');
    }
}
