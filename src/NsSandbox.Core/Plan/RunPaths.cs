namespace NsSandbox.Core.Plan;

/// <summary>Host paths that belong to one run: runs/ID under the state directory, with the skeleton root's
/// mount point and, unless the user gave a host directory, the fresh /data. DataDir null means /data is a tmpfs.</summary>
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
        string runDir = Path.Combine(stateDir, RunsSubdir, runId);
        return new RunPaths(runId, runDir, Path.Combine(runDir, "root"),
            userDataDir ?? Path.Combine(runDir, "data"), OwnsDataDir: userDataDir is null);
    }
}
