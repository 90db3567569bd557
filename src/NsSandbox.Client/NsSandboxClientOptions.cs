namespace NsSandbox.Client;

/// <summary>How a <see cref="NsSandboxClient"/> finds the launcher and shares the machine among runs.</summary>
public sealed record NsSandboxClientOptions
{
    /// <summary>The nssandbox binary; when null, the NSSANDBOX_BIN environment variable, then the PATH.</summary>
    public string? BinaryPath { get; init; }

    /// <summary>Runs at once; later ones wait in a first-come, first-served queue. Defaults to the number of
    /// processors.</summary>
    public int MaxConcurrentRuns { get; init; } = Environment.ProcessorCount;

    /// <summary>Runs that may wait for a place; one more is refused with <see cref="SandboxQueueFullException"/>.</summary>
    public int MaxQueuedRuns { get; init; } = int.MaxValue;

    /// <summary>Bytes kept of each output stream when a request names no limit (1 MiB).</summary>
    public int OutputLimitBytes { get; init; } = 1024 * 1024;

    /// <summary>The options of requests that give none.</summary>
    public SandboxOptions DefaultOptions { get; init; } = SandboxOptions.Default;

    /// <summary>On cancellation, how long the launcher may end the run itself (it forwards SIGINT to the sandbox
    /// and cleans up) before its process tree is killed. Zero, the default, kills at once: the sandbox dies with
    /// the launcher, and <c>nssandbox cleanup</c> then removes what the launcher left.</summary>
    public TimeSpan CancellationGracePeriod { get; init; } = TimeSpan.Zero;

    /// <summary>The time limit of the short runs a session makes to create its workspace and move files.</summary>
    public TimeSpan FileTransferTimeLimit { get; init; } = TimeSpan.FromMinutes(1);
}
