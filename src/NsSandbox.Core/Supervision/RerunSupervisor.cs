using NsSandbox.Core.Plan;
using NsSandbox.Core.Report;

namespace NsSandbox.Core.Supervision;

/// <summary>Mode rerun (-Mr), as nsjail's: the command again and again, each time in a fresh sandbox (its own
/// plan: run directory, /data, cgroup, report) supervised as mode once does, with the launcher's stdio, until a
/// stop signal (SIGINT, SIGTERM, SIGHUP, SIGQUIT) ends the current run and the loop; then exit status 128+N, as
/// nsjail's (its loop returns 128 plus the signal; its mode listen 0, as ours). Each run
/// is one log line. A run that could not be set up is followed by a pause of <see cref="SetupPause"/>, so a
/// set-up that always fails (a bind source gone) does not spin.</summary>
public sealed class RerunSupervisor(Func<RunPlan> nextPlan, ISpawner spawner, TextWriter log, Verbosity verbosity, string? reportDir)
{
    public static readonly TimeSpan SetupPause = TimeSpan.FromSeconds(1);

    /// <summary>Runs so far.</summary>
    public int Runs { get; private set; }

    /// <param name="maxRuns">stop after this many runs (tests), then exit status 0; null: until a stop signal.</param>
    public int Run(int? maxRuns = null)
    {
        using var signals = new SignalForwarder();
        while (signals.Received == 0 && Runs < (maxRuns ?? int.MaxValue))
        {
            var plan = nextPlan();
            var report = new OnceSupervisor(plan, spawner, log).Run(signals);
            Runs++;
            if (reportDir is not null) WriteReport(report, reportDir); // before the line: its reader can open it
            string line = RunLogLine.Format(report);
            if (report.Reason == EndReason.SetupError) log.WriteLine("nssandbox: " + line);
            else if (verbosity != Verbosity.Quiet) log.WriteLine("nssandbox: " + line);
            if (report.Reason == EndReason.SetupError) WaitUnlessStopped(signals, SetupPause);
        }
        if (signals.Received == 0) return 0;
        if (verbosity != Verbosity.Quiet)
            log.WriteLine($"nssandbox: {Signals.Name(signals.Received)}: stopped after {Runs} run{(Runs == 1 ? "" : "s")}");
        return 128 + signals.Received;
    }

    private void WriteReport(RunReport report, string directory)
    {
        try
        {
            ReportWriter.WriteInto(report, directory);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            log.WriteLine($"nssandbox: run={report.RunId} report: {e.Message}");
        }
    }

    private static void WaitUnlessStopped(SignalForwarder signals, TimeSpan pause)
    {
        var until = DateTime.UtcNow + pause;
        while (signals.Received == 0 && DateTime.UtcNow < until) Thread.Sleep(20);
    }
}
