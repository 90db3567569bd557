namespace NsSandbox.Client;

/// <summary>How a run ended: the report's reason, or what the launcher's status says when it wrote none.</summary>
public enum SandboxOutcome
{
    /// <summary>The command exited; <see cref="SandboxResult.ExitCode"/> is its code.</summary>
    Exited,
    /// <summary>A signal killed the command; <see cref="SandboxResult.Signal"/> names it.</summary>
    Signaled,
    /// <summary>The time limit passed and the whole sandbox was killed.</summary>
    TimedOut,
    /// <summary>The cgroup's memory limit made the OOM killer end the command.</summary>
    OutOfMemory,
    /// <summary>The seccomp filter killed the command for a forbidden system call.</summary>
    SeccompViolation,
    /// <summary>The sandbox could not be set up, or the command not executed (status 126 or 127).</summary>
    SetupError,
    /// <summary>The launcher refused the options or the profile (status 125): nothing ran.</summary>
    UsageError,
    /// <summary>The launcher ended without a report for another reason (it was killed, or failed).</summary>
    LauncherFailed,
}
