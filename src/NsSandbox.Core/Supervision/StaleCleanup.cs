using NsSandbox.Core.Report;
using NsSandbox.Core.Spec;

namespace NsSandbox.Core.Supervision;

/// <summary>`nssandbox cleanup [--state_dir DIR]`: removes what runs whose supervisor was killed left behind
/// (their per-run directories and cgroup leaves). Every run does this on start; this is for doing it now.</summary>
public static class StaleCleanup
{
    public static int Run(IReadOnlyList<string> args, TextWriter output, TextWriter errors)
    {
        string stateDir = Defaults.StateDir;
        for (int i = 0; i < args.Count; i++)
        {
            if (args[i] is "--state_dir" or "--state-dir" && i + 1 < args.Count) stateDir = args[++i];
            else if (args[i].StartsWith("--state_dir=", StringComparison.Ordinal) || args[i].StartsWith("--state-dir=", StringComparison.Ordinal))
                stateDir = args[i][(args[i].IndexOf('=') + 1)..];
            else
            {
                errors.WriteLine($"nssandbox: cleanup: unexpected '{args[i]}'; usage: nssandbox cleanup [--state_dir DIR]");
                return ExitCodes.Usage;
            }
        }
        var removed = RunDirectory.RemoveStale(Path.Combine(stateDir, "runs"));
        foreach (string path in removed) output.WriteLine($"removed {path}");
        output.WriteLine($"nssandbox: cleanup: {removed.Count} stale item(s) removed from {stateDir}");
        return 0;
    }
}
