using NsSandbox.Core.Plan;
using NsSandbox.Core.Supervision;
using NsSandbox.Frontends.Cli;

namespace NsSandbox.Commands;

/// <summary>`nssandbox cleanup [--state_dir DIR]`: removes what runs whose supervisor was killed left behind
/// (their per-run directories and cgroup leaves). Every run does this on start; this is for doing it now.</summary>
public static class CleanupCommand
{
    public const string Usage = "usage: nssandbox cleanup [--state_dir DIR]";

    public static int Run(IReadOnlyList<string> args, TextWriter output)
    {
        var parsed = ArgParser.Parse(args, new HashSet<string> { "state_dir" });
        if (parsed.Help || parsed.Builder.Command.Count > 0) throw new SpecException("cleanup", Usage);
        string stateDir = parsed.Builder.StateDir is { } given ? HostPath.Full(given, "--state_dir") : StateDirectory.Default(new RealHostView());
        var removed = RunDirectory.RemoveStale(Path.Combine(stateDir, RunPaths.RunsSubdir));
        foreach (string path in removed) output.WriteLine($"removed {path}");
        output.WriteLine($"nssandbox: cleanup: {removed.Count} stale item(s) removed from {stateDir}");
        return 0;
    }
}
