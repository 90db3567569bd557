namespace NsSandbox.Core.Supervision;

/// <summary>What a supervisor tells the user on stderr: changes it made outside the run (cgroup controllers
/// enabled, a parent created), said unless -q, and details for -v.</summary>
public sealed class LaunchLog(TextWriter writer, Verbosity verbosity)
{
    public bool IsVerbose => verbosity == Verbosity.Verbose;

    public void Say(string message)
    {
        if (verbosity != Verbosity.Quiet) writer.WriteLine("nssandbox: " + message);
    }

    public void Verbose(string message)
    {
        if (verbosity == Verbosity.Verbose) writer.WriteLine("nssandbox: " + message);
    }
}
