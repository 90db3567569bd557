namespace NsSandbox.Contract;

/// <summary>Which seccomp policy the command runs under (docs/seccomp.md). With neither a file, strings nor an OCI
/// profile the built-in default policy applies, unless Disabled.</summary>
public sealed record SeccompSpec
{
    /// <summary>--seccomp_policy: a policy file, compiled first.</summary>
    public string? PolicyFile { get; init; }
    /// <summary>--seccomp_string: policy text, each appended (after a newline) to the file's text.</summary>
    public IReadOnlyList<string> PolicyStrings { get; init; } = [];
    /// <summary>--seccomp_oci: an OCI seccomp profile (JSON), the whole filter; exclusive with the two above.</summary>
    public string? OciProfile { get; init; }
    /// <summary>--seccomp_log: every KILL action of the policy becomes LOG.</summary>
    public bool Log { get; init; }
    /// <summary>--disable_seccomp: no filter at all.</summary>
    public bool Disabled { get; init; }

    public bool UsesDefault => !Disabled && PolicyFile is null && PolicyStrings.Count == 0 && OciProfile is null;

    /// <summary>The report's sandbox.seccomp_policy.</summary>
    public string Label => Disabled ? "none"
        : OciProfile is { } oci ? oci
        : PolicyFile is { } f ? (PolicyStrings.Count > 0 ? f + " + --seccomp_string" : f)
        : PolicyStrings.Count > 0 ? "--seccomp_string" : "default";
}
