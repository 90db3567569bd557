using NsSandbox.Linux;

namespace NsSandbox.Core.Spec;

/// <summary>The documented defaults of a run (README and --help show them).</summary>
public static class Defaults
{
    public const uint NobodyId = 65534;
    public const ulong MiB = 1024 * 1024;
    public const ulong TmpSizeBytes = 256 * MiB;

    public const Namespaces Namespaces =
        Linux.Namespaces.User | Linux.Namespaces.Mount | Linux.Namespaces.Pid | Linux.Namespaces.Uts |
        Linux.Namespaces.Ipc | Linux.Namespaces.Net | Linux.Namespaces.Cgroup;

    public const string Path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    /// <summary>Root keeps per-run state on disk (a /data can be large); other users under their own home.</summary>
    public static string StateDir =>
        Linux.Identity.EffectiveUid == 0
            ? "/var/lib/nssandbox"
            : System.IO.Path.Combine(
                Environment.GetEnvironmentVariable("XDG_STATE_HOME") is { Length: > 0 } x
                    ? x
                    : System.IO.Path.Combine(Environment.GetEnvironmentVariable("HOME") ?? "/tmp", ".local/state"),
                "nssandbox");

    /// <summary>No core dumps; everything else as the launcher has it.</summary>
    public static readonly IReadOnlyList<RlimitSpec> Rlimits = [new(RlimitResource.Core, RlimitKind.Value, 0)];
}
