namespace NsSandbox.Core.Plan;

/// <summary>Host paths that belong to one run: runs/ID under the state directory, with the skeleton root's
/// mount point and, unless the user gave a host directory, the fresh /data.</summary>
public sealed record RunPaths(string RunId, string RunDir, string RootMountPoint, string DataDir, bool OwnsDataDir)
{
    public const string RunsSubdir = "runs";

    public static RunPaths For(string stateDir, string runId, string? userDataDir)
    {
        string runDir = Path.Combine(stateDir, RunsSubdir, runId);
        return new RunPaths(runId, runDir, Path.Combine(runDir, "root"),
            userDataDir ?? Path.Combine(runDir, "data"), OwnsDataDir: userDataDir is null);
    }
}
