namespace NsSandbox.Core.Plan;

/// <summary>Where per-run state lives when --state_dir is not given.</summary>
public static class StateDirectory
{
    /// <summary>Root keeps per-run state on disk (a /data can be large); other users under their own home.</summary>
    public static string Default(IHostView host) =>
        host.EffectiveUid == 0
            ? "/var/lib/nssandbox"
            : Path.Combine(
                host.GetEnvironmentVariable("XDG_STATE_HOME") is { Length: > 0 } x
                    ? x
                    : Path.Combine(host.GetEnvironmentVariable("HOME") ?? "/tmp", ".local/state"),
                "nssandbox");
}
