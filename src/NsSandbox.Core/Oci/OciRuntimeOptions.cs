namespace NsSandbox.Core.Oci;

/// <summary>The runtime's global options (runc's, before the command) and our hardening switch.</summary>
public sealed record OciRuntimeOptions
{
    /// <summary>--root: where container state lives (runc's default /run/runc; ours /run/nssandbox-oci).</summary>
    public string Root { get; init; } = "/run/nssandbox-oci";
    /// <summary>--log: where errors go as well as stderr (the shim reads them from here).</summary>
    public string? Log { get; init; }
    /// <summary>--log-format json: the log file's lines are {"level","msg","time"} objects, as the shim parses them.</summary>
    public bool LogJson { get; init; }
    public bool Debug { get; init; }
    /// <summary>--hardened: a config without seccomp gets our default policy, one without a user namespace gets
    /// ours (<see cref="HardenedUsers"/>), and no_new_privs is always set (see docs/oci.md).</summary>
    public bool Hardened { get; init; }
    /// <summary>--userns-remap NAME: --hardened, with the user namespace taken from NAME's ranges in /etc/subuid and
    /// /etc/subgid instead of the shared fixed range (<see cref="HardenedUsers.Remap"/>).</summary>
    public string? UsernsRemap { get; init; }
}
