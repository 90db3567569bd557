namespace SandboxService;

/// <summary>The "SandboxService" section of the configuration (appsettings.json, SandboxService__* variables or
/// --SandboxService:Key=value arguments).</summary>
public sealed class ServiceSettings
{
    /// <summary>The key clients send in the X-Api-Key header. Required: the service does not start without one.</summary>
    public string? ApiKey { get; set; }

    /// <summary>The nssandbox binary (else NSSANDBOX_BIN, else the PATH).</summary>
    public string? BinaryPath { get; set; }

    /// <summary>A TOML profile every run uses (such as configs/python.toml).</summary>
    public string? Profile { get; set; }

    /// <summary>The launcher's state directory (per-run directories and the sessions' workspaces).</summary>
    public string? StateDirectory { get; set; }

    public int MaxConcurrentRuns { get; set; } = Environment.ProcessorCount;

    public int MaxQueuedRuns { get; set; } = 100;

    public int MaxSessions { get; set; } = 100;

    /// <summary>A session not used for this long is removed.</summary>
    public int SessionIdleMinutes { get; set; } = 30;

    /// <summary>The time limit of a run that names none, and the most a run may ask for.</summary>
    public double DefaultTimeLimitSeconds { get; set; } = 10;

    public double MaxTimeLimitSeconds { get; set; } = 60;

    /// <summary>Bytes of each output stream a response carries.</summary>
    public int OutputLimitBytes { get; set; } = 64 * 1024;

    /// <summary>The largest file a client may put in or take out.</summary>
    public int MaxFileBytes { get; set; } = 8 * 1024 * 1024;
}
