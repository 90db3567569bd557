namespace NsSandbox.Client;

/// <summary>A mount inside the sandbox: a host path bound read-only or read-write, or a fresh tmpfs (sized by
/// <see cref="SandboxOptions.TmpSizeBytes"/>).</summary>
public sealed record SandboxMount
{
    /// <summary>The host path; null for a tmpfs.</summary>
    public string? Source { get; }

    /// <summary>Where it appears inside the sandbox.</summary>
    public string Target { get; }

    /// <summary>Whether the sandbox may write to it (always true for a tmpfs).</summary>
    public bool Writable { get; }

    private SandboxMount(string? source, string target, bool writable)
    {
        // The flag's value is SRC:DST, split at the first colon: a path with one cannot be said.
        if (source is not null) CheckPath(source, nameof(source));
        CheckPath(target, nameof(target));
        (Source, Target, Writable) = (source, target, writable);
    }

    /// <summary><c>--bindmount_ro SRC:DST</c>; the target defaults to the source's path.</summary>
    public static SandboxMount ReadOnly(string source, string? target = null) => new(source, target ?? source, false);

    /// <summary><c>--bindmount SRC:DST</c>; the target defaults to the source's path.</summary>
    public static SandboxMount ReadWrite(string source, string? target = null) => new(source, target ?? source, true);

    /// <summary><c>--tmpfsmount DST</c>.</summary>
    public static SandboxMount Tmpfs(string target) => new(null, target, true);

    internal void AppendTo(LauncherArguments args)
    {
        if (Source is null) args.Value("tmpfsmount", Target);
        else args.Value(Writable ? "bindmount" : "bindmount_ro", Source == Target ? Source : $"{Source}:{Target}");
    }

    private static void CheckPath(string path, string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(path, name);
        if (path.Contains(':')) throw new ArgumentException($"'{path}' has a colon, which the launcher's SRC:DST cannot carry", name);
    }
}
