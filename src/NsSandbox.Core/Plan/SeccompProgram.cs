namespace NsSandbox.Core.Plan;

/// <summary>The run's compiled seccomp filter, or explicitly none (--disable_seccomp). Plans require one, so a
/// caller cannot run unfiltered by forgetting to pass it.</summary>
public sealed record SeccompProgram
{
    /// <summary>sock_filter bytes, or null for no filter.</summary>
    public byte[]? Filter { get; }
    /// <summary>The report's sandbox.seccomp_policy: "default", a file, "--seccomp_string", or "none".</summary>
    public string Label { get; }
    /// <summary>--seccomp_log: the policy's KILL actions were turned into LOG.</summary>
    public bool Log { get; }
    /// <summary>SECCOMP_FILTER_FLAG_* for the load.</summary>
    public uint Flags { get; init; }
    /// <summary>How long compiling took (0 for the build-time default policy), for -v.</summary>
    public TimeSpan CompileTime { get; init; }

    public SeccompProgram(byte[] filter, string label, bool log)
    {
        ArgumentNullException.ThrowIfNull(filter);
        (Filter, Label, Log) = (filter, label, log);
    }

    private SeccompProgram() => Label = "none";

    public static SeccompProgram None { get; } = new();

    public int Instructions => (Filter?.Length ?? 0) / 8;
}
