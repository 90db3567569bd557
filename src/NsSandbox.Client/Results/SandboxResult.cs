namespace NsSandbox.Client;

/// <summary>The result of one run: how it ended, its output, and the figures of the launcher's JSON report
/// (<see cref="Report"/>, null when the launcher wrote none: a usage error or a launcher that failed).</summary>
public sealed record SandboxResult
{
    /// <summary>How the run ended.</summary>
    public required SandboxOutcome Outcome { get; init; }

    /// <summary>The command's exit code (absent when a signal killed it, or nothing ran).</summary>
    public int? ExitCode { get; init; }

    /// <summary>The signal that killed the command (after a time limit or the OOM killer, SIGKILL's 9).</summary>
    public int? Signal { get; init; }

    /// <summary>The signal's name, such as SIGKILL.</summary>
    public string? SignalName { get; init; }

    /// <summary>The launcher's own exit status (docs/usage.md, "Exit status").</summary>
    public required int LauncherExitCode { get; init; }

    /// <summary>What went wrong, as the launcher says it: the setup error, the forbidden system call, the
    /// refused option, the time limit; null when the command ended by itself.</summary>
    public string? Message { get; init; }

    /// <summary>Standard output, up to the capture limit.</summary>
    public required CapturedOutput StandardOutput { get; init; }

    /// <summary>Standard error, up to the capture limit: the command's, and the launcher's own lines.</summary>
    public required CapturedOutput StandardError { get; init; }

    /// <summary>The run's wall-clock time, as the launcher measured it.</summary>
    public TimeSpan WallTime { get; init; }

    /// <summary>CPU time in user mode of the sandbox's processes.</summary>
    public TimeSpan UserTime { get; init; }

    /// <summary>CPU time in the kernel of the sandbox's processes.</summary>
    public TimeSpan SystemTime { get; init; }

    /// <summary>The largest resident set of the sandbox's processes, in bytes (an upper bound for small commands).</summary>
    public long PeakRssBytes { get; init; }

    /// <summary>With a cgroup: its memory high-water mark in bytes.</summary>
    public ulong? MemoryPeakBytes { get; init; }

    /// <summary>With a cgroup: whether the OOM killer killed one of the run's processes.</summary>
    public bool? OomKilled { get; init; }

    /// <summary>With a cgroup: whether the pids limit refused a fork.</summary>
    public bool? PidsLimitHit { get; init; }

    /// <summary>With a cgroup: the CPU time the cgroup used.</summary>
    public TimeSpan? CgroupCpuTime { get; init; }

    /// <summary>How long the run waited for a place under the concurrency limit.</summary>
    public TimeSpan QueueTime { get; init; }

    /// <summary>The launcher's report as it wrote it, for every other figure (limits in force, namespaces, ...).</summary>
    public RunReport? Report { get; init; }

    /// <summary>Whether the command ran and exited with 0.</summary>
    public bool Succeeded => Outcome == SandboxOutcome.Exited && ExitCode == 0;
}
