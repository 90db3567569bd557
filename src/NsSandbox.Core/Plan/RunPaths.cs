namespace NsSandbox.Core.Plan;

/// <summary>Host paths that belong to one run: runs/ID under the state directory, which is also the skeleton
/// root's mount point, and, unless the user gave a host directory, the fresh /data in it. DataDir null means
/// /data is a tmpfs.</summary>
public sealed record RunPaths(string RunId, string? RunDir, string RootMountPoint, string? DataDir, bool OwnsDataDir)
{
    /// <summary>Mode execve leaves nobody behind to remove a directory, so it creates none: the skeleton is
    /// mounted over /tmp in the sandbox's private mount namespace (the host's /tmp is untouched) and /data is
    /// a tmpfs unless the user gave one.</summary>
    public static RunPaths ForExecve(string runId, string? userDataDir) =>
        new(runId, null, "/tmp", userDataDir, OwnsDataDir: false);

    public const string RunsSubdir = "runs";

    public static RunPaths For(string stateDir, string runId, string? userDataDir)
    {
        // The skeleton is mounted over the run directory itself, in the sandbox's private mount namespace: /data
        // and every other bind source are detached before it (FilesystemPlanner), so hiding them is harmless,
        // and a mount point of its own would cost a directory made and removed on disk at every launch.
        string runDir = Path.Combine(stateDir, RunsSubdir, runId);
        return new RunPaths(runId, runDir, runDir,
            userDataDir ?? Path.Combine(runDir, "data"), OwnsDataDir: userDataDir is null);
    }
}
