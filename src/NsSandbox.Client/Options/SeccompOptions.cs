namespace NsSandbox.Client;

/// <summary>The system call filter (docs/seccomp.md). Without any of these the launcher's built-in default
/// policy applies.</summary>
public sealed record SeccompOptions
{
    /// <summary><c>--seccomp_policy</c>: a policy file in nsjail's language.</summary>
    public string? PolicyFile { get; init; }

    /// <summary><c>--seccomp_string</c>: policy text, each appended after the file's.</summary>
    public IReadOnlyList<string> Policies { get; init; } = [];

    /// <summary><c>--seccomp_oci</c>: an OCI seccomp profile (JSON, or Docker's format) as the whole filter, instead of a
    /// policy (docs/oci-seccomp.md).</summary>
    public string? OciProfile { get; init; }

    /// <summary><c>--seccomp_log</c>: the policy's KILL actions only log the call (to build a policy).</summary>
    public bool LogOnly { get; init; }

    /// <summary><c>--disable_seccomp</c>: run without any filter.</summary>
    public bool Disable { get; init; }

    internal void AppendTo(LauncherArguments args)
    {
        args.Value("seccomp_policy", PolicyFile);
        foreach (string policy in Policies) args.Value("seccomp_string", policy);
        args.Value("seccomp_oci", OciProfile);
        args.Switch("seccomp_log", LogOnly);
        args.Switch("disable_seccomp", Disable);
    }
}
