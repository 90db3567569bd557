namespace NsSandbox.Client.Tests;

/// <summary>What the tests against the real launcher need: root (namespaces and mounts as the launcher's root
/// user, like the end-to-end suite) and the published binary ($NSSANDBOX_BIN or artifacts/bin/nssandbox).
/// Without them those tests are skipped, saying why.</summary>
public static class Machine
{
    public static string RepositoryRoot { get; } = FindRoot();

    public static string BinaryPath { get; } =
        Environment.GetEnvironmentVariable("NSSANDBOX_BIN") is { Length: > 0 } fromEnv ? fromEnv
            : Path.Combine(RepositoryRoot, "artifacts", "bin", "nssandbox");

    public static bool IsRoot { get; } = File.ReadAllLines("/proc/self/status")
        .First(l => l.StartsWith("Uid:", StringComparison.Ordinal)).Split('\t', StringSplitOptions.RemoveEmptyEntries)[2] == "0";

    public static void RequireLauncher()
    {
        if (!IsRoot) Assert.Skip("needs root: the launcher creates namespaces and mounts as root here");
        if (!File.Exists(BinaryPath)) Assert.Skip($"needs {BinaryPath}: build it with ./build.sh");
    }

    public static void RequireFile(string path)
    {
        if (!File.Exists(path)) Assert.Skip($"needs {path}, which this machine lacks");
    }

    /// <summary>Skips unless a cgroup hierarchy (v1, or v2 with it enabled) offers the controller.</summary>
    public static void RequireCgroup(string controller)
    {
        RequireLauncher();
        if (!CgroupMounts.Offers(controller)) Assert.Skip($"this host has no {controller} cgroup controller");
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "NsSandbox.sln"))) return dir.FullName;
        throw new FileNotFoundException("no NsSandbox.sln above " + AppContext.BaseDirectory);
    }
}
