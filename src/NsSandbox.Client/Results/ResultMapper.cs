namespace NsSandbox.Client;

/// <summary>Turns what a launch left (its status, its report, its output) into a <see cref="SandboxResult"/>.</summary>
internal static class ResultMapper
{
    public static SandboxResult Map(int status, RunReport? report, CapturedOutput stdout, CapturedOutput stderr, TimeSpan queued)
    {
        if (report is null) return Unreported(status, stdout, stderr, queued);
        var outcome = report.Reason switch
        {
            EndReason.Exited => SandboxOutcome.Exited,
            EndReason.Signaled => SandboxOutcome.Signaled,
            EndReason.Timeout => SandboxOutcome.TimedOut,
            EndReason.Oom => SandboxOutcome.OutOfMemory,
            EndReason.Seccomp => SandboxOutcome.SeccompViolation,
            EndReason.SetupError => SandboxOutcome.SetupError,
            _ => SandboxOutcome.LauncherFailed,
        };
        return new SandboxResult
        {
            Outcome = outcome,
            ExitCode = report.ExitCode,
            Signal = report.Signal,
            SignalName = report.SignalName,
            LauncherExitCode = status,
            Message = MessageOf(outcome, report),
            StandardOutput = stdout,
            StandardError = stderr,
            WallTime = TimeSpan.FromSeconds(report.WallSeconds),
            UserTime = TimeSpan.FromSeconds(report.UserSeconds),
            SystemTime = TimeSpan.FromSeconds(report.SysSeconds),
            PeakRssBytes = report.PeakRssBytes,
            MemoryPeakBytes = report.MemoryPeakBytes,
            OomKilled = report.OomKilled,
            PidsLimitHit = report.PidsLimitHit,
            CgroupCpuTime = report.CpuUsageUsec is { } us ? TimeSpan.FromMicroseconds(us) : null,
            QueueTime = queued,
            Report = report,
        };
    }

    /// <summary>The launcher's words for the outcomes it explains; the report holds them (stderr could also
    /// hold the command's own imitation of them).</summary>
    private static string? MessageOf(SandboxOutcome outcome, RunReport r) => outcome switch
    {
        SandboxOutcome.SetupError => r.Error?.Message,
        SandboxOutcome.SeccompViolation => r.Seccomp?.Describe(),
        SandboxOutcome.TimedOut => $"time limit of {r.Limits.TimeLimitSeconds:0.###}s reached; the sandbox was killed",
        SandboxOutcome.OutOfMemory => $"the OOM killer ended the command at the cgroup's memory limit of {r.Limits.CgroupMemMaxBytes} bytes",
        _ => null,
    };

    /// <summary>No report: the launcher refused the run (125, 123) or failed to start it (126, 127) before the command
    /// ran, so the error line on stderr is its own; or it died, and stderr may be the command's.</summary>
    private static SandboxResult Unreported(int status, CapturedOutput stdout, CapturedOutput stderr, TimeSpan queued)
    {
        var outcome = status switch
        {
            ExitCodes.Usage => SandboxOutcome.UsageError,
            ExitCodes.Setup or ExitCodes.NotFound or ExitCodes.Unavailable => SandboxOutcome.SetupError,
            _ => SandboxOutcome.LauncherFailed,
        };
        string? line = outcome == SandboxOutcome.LauncherFailed ? null
            : stderr.Text.Split('\n').FirstOrDefault(l => l.StartsWith("nssandbox: ", StringComparison.Ordinal));
        return new SandboxResult
        {
            Outcome = outcome,
            LauncherExitCode = status,
            Message = line?["nssandbox: ".Length..] ?? $"nssandbox ended with status {status} and wrote no report",
            StandardOutput = stdout,
            StandardError = stderr,
            QueueTime = queued,
        };
    }
}
