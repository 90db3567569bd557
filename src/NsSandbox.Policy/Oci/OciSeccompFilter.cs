namespace NsSandbox.Policy.Oci;

/// <summary>An OCI seccomp profile compiled for the host's architecture: the program, and what the runtime must
/// do to load it as runc would. <see cref="FilterFlags"/> are the SECCOMP_FILTER_FLAG_* bits for seccomp(2)
/// (SECCOMP_FILTER_FLAG_NEW_LISTENER included when the profile uses SCMP_ACT_NOTIFY, whose listener fd then goes
/// to <see cref="ListenerPath"/>); <see cref="SkippedNames"/> and <see cref="Notes"/> say what of the profile has
/// no effect here and why.</summary>
public sealed record OciSeccompFilter
{
    public required CompiledPolicy Compiled { get; init; }

    /// <summary>The profile compiled, in runtime-spec form (Docker's format already resolved).</summary>
    public required OciSeccomp Profile { get; init; }

    public uint FilterFlags { get; init; }

    /// <summary>The text was in Docker's format, resolved for a <see cref="DockerTarget"/>.</summary>
    public bool FromDockerFormat { get; init; }

    public bool UsesNotify => (FilterFlags & ScmpNames.FlagNewListener) != 0;

    public string? ListenerPath => Profile.ListenerPath?.Value;

    public string? ListenerMetadata => Profile.ListenerMetadata?.Value;

    /// <summary>Names the host's syscall table does not have (Docker's profile names the 32-bit-only calls of every
    /// architecture): skipped, as runc and libseccomp skip them.</summary>
    public IReadOnlyList<Located<string>> SkippedNames { get; init; } = [];

    /// <summary>Other parts of the profile that have no effect, each with its reason.</summary>
    public IReadOnlyList<string> Notes { get; init; } = [];

    /// <summary>A summary of <see cref="SkippedNames"/>, or null when there are none.</summary>
    public string? SkippedSummary => SkippedNames.Count == 0 ? null
        : $"{SkippedNames.Count} syscall name{(SkippedNames.Count == 1 ? "" : "s")} not on {Syscalls.Arches.Name(Compiled.Arch)}, " +
          $"skipped as runc skips them: {string.Join(", ", SkippedNames.Select(n => n.Value).Distinct().Order(StringComparer.Ordinal))}";
}
