using NsSandbox.Core.Plan;
using NsSandbox.Core.Supervision;
using NsSandbox.Linux;

namespace NsSandbox.Core.Report;

/// <summary>Makes a run's report from its plan and what happened: why it ended, the launcher's exit status,
/// times, the cgroup's figures and the sandbox as planned.</summary>
public static class ReportBuilder
{
    public static RunReport Build(RunPlan plan, SandboxOutcome? outcome, SetupError? error, bool timedOut, TimeSpan wall,
        string? forwardedSignal)
    {
        var exit = outcome?.Exit;
        var stats = outcome?.Stats;
        string reason;
        int code;
        if (error is not null)
        {
            reason = EndReason.SetupError;
            code = error.Step == "execve" && error.Errno == Errno.NoEntry ? ExitCodes.NotFound
                : error.Step == RunRefusals.Step ? ExitCodes.Unavailable : ExitCodes.Setup;
        }
        else if (timedOut)
        {
            reason = EndReason.Timeout;
            code = ExitCodes.Timeout;
        }
        else if (stats?.OomKilled == true && (exit?.Signal == ChildProcess.SigKill || exit?.ExitCode == 128 + ChildProcess.SigKill))
        {
            // The command, or the process whose death it passed on (a shell's 137), was the OOM killer's.
            reason = EndReason.Oom;
            code = exit.Signal is { } killed ? 128 + killed : exit.ExitCode!.Value;
        }
        else if (exit?.Signal is { } sig)
        {
            reason = outcome!.Violation is not null && sig == Signals.SigSys ? EndReason.Seccomp : EndReason.Signaled;
            code = 128 + sig;
        }
        else
        {
            reason = EndReason.Exited;
            code = exit?.ExitCode ?? ExitCodes.Setup;
        }

        return new RunReport
        {
            RunId = plan.RunId,
            Command = plan.Command,
            Reason = reason,
            ExitCode = error is null ? exit?.ExitCode : null,
            Signal = error is null ? exit?.Signal : null,
            SignalName = error is null && exit?.Signal is { } s ? Signals.Name(s) : null,
            LauncherExitCode = code,
            WallSeconds = Math.Round(wall.TotalSeconds, 6),
            UserSeconds = Math.Round(exit?.User.TotalSeconds ?? 0, 6),
            SysSeconds = Math.Round(exit?.System.TotalSeconds ?? 0, 6),
            PeakRssBytes = exit?.MaxRssBytes ?? 0,
            ForwardedSignal = forwardedSignal,
            Error = error,
            Seccomp = reason == EndReason.Seccomp ? outcome!.Violation : null,
            SeccompLogged = outcome?.Logged,
            OomKilled = stats?.OomKilled,
            MemoryPeakBytes = stats?.MemoryPeakBytes,
            PidsLimitHit = stats?.PidsLimitHit,
            CpuUsageUsec = stats?.CpuUsageUsec,
            Cgroup = outcome?.Cgroup,
            NetworkLog = outcome?.Network,
            Limits = plan.ReportLimits,
            Sandbox = plan.ReportSandbox with { DataDir = outcome is null ? plan.ReportSandbox.DataDir : outcome.DataDir },
        };
    }
}
