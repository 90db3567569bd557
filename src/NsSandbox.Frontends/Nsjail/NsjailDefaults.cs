namespace NsSandbox.Frontends.Nsjail;

/// <summary>nsjail's defaults where they differ from ours: for its config files, and for the whole command line
/// when the launcher is invoked as <c>nsjail</c> (docs/nsjail.md). Our unprivileged id mapping, dropped
/// capabilities and closed descriptors stay in every case.</summary>
public static class NsjailDefaults
{
    /// <summary>The name that makes the launcher take nsjail's defaults (a link to it).</summary>
    public const string ProgramName = "nsjail";

    public static void Apply(SpecBuilder b)
    {
        b.Chroot = null; // nsjail's root holds only what is mounted (--chroot, a bind at /)
        b.Hostname = "NSJAIL";
        b.Cwd = "/";
        b.TimeLimit = TimeSpan.FromSeconds(600);
        foreach (var (resource, _, unit, (type, value)) in NsjailFields.Rlimits)
            b.Rlimits[resource] = type == "VALUE" ? new RlimitSpec(resource, RlimitKind.Value, value * unit) : new RlimitSpec(resource, RlimitKind.Soft);
    }

    /// <summary>Invoked as nsjail: its defaults, no seccomp policy unless one is given (nsjail has no built-in
    /// one), and its niceness of 19 (under the name nssandbox, configs included, the launcher's stays).</summary>
    public static void ApplyToCommandLine(SpecBuilder b)
    {
        Apply(b);
        b.NoDefaultSeccompPolicy = true;
        b.NiceLevel = 19;
    }
}
