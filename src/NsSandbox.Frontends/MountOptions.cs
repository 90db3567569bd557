using System.Globalization;

namespace NsSandbox.Frontends;

/// <summary>A mount's options as nsjail takes them ("size=8m,noexec"), from a config's <c>options</c>, --mount's
/// fourth field or --bindmount's third: the generic ones (ro, rw, nodev, dev, noexec, exec, nosuid) are the
/// mount's flags, the rest a tmpfs's parameters (size, nr_inodes, mode, uid, gid). Anything else is refused by
/// name: a mount never runs with an option dropped.</summary>
public sealed record MountOptions
{
    public bool? ReadOnly { get; private init; }
    public bool? NoExec { get; private init; }
    public bool? NoDev { get; private init; }
    public ulong? Size { get; private init; }
    public ulong? Inodes { get; private init; }
    public uint? Mode { get; private init; }
    public uint? Uid { get; private init; }
    public uint? Gid { get; private init; }

    /// <summary>Options of the filesystem itself, which only a tmpfs takes here.</summary>
    public string? FilesystemOption { get; private init; }

    public static MountOptions Parse(string? text, string origin)
    {
        var o = new MountOptions();
        foreach (string option in (text ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            int eq = option.IndexOf('=');
            string name = eq < 0 ? option : option[..eq], value = eq < 0 ? "" : option[(eq + 1)..];
            o = (name, eq < 0) switch
            {
                ("ro", true) => o with { ReadOnly = true },
                ("rw", true) => o with { ReadOnly = false },
                ("noexec", true) => o with { NoExec = true },
                ("exec", true) => o with { NoExec = false },
                ("nodev", true) => o with { NoDev = true },
                ("dev", true) => o with { NoDev = false },
                ("nosuid", true) => o, // every mount is nosuid
                ("suid", true) => throw new SpecException(origin, "the mount option 'suid' is refused: every mount of the sandbox is nosuid"),
                ("size", false) => o with { Size = Number(value, option, origin, units: true), FilesystemOption = o.FilesystemOption ?? option },
                ("nr_inodes", false) => o with { Inodes = Number(value, option, origin, units: true), FilesystemOption = o.FilesystemOption ?? option },
                ("mode", false) => o with { Mode = Octal(value, option, origin), FilesystemOption = o.FilesystemOption ?? option },
                ("uid", false) => o with { Uid = (uint)Number(value, option, origin, units: false, max: uint.MaxValue - 1), FilesystemOption = o.FilesystemOption ?? option },
                ("gid", false) => o with { Gid = (uint)Number(value, option, origin, units: false, max: uint.MaxValue - 1), FilesystemOption = o.FilesystemOption ?? option },
                _ => throw new SpecException(origin, $"the mount option '{option}' is not supported (docs/nsjail.md lists those that are)"),
            };
        }
        return o;
    }

    /// <summary>Applies the options to a mount: the flags to any, the filesystem's parameters to a tmpfs only
    /// (the kernel ignores them on a bind, so nsjail's would silently do nothing there).</summary>
    public MountSpec ApplyTo(MountSpec m, string origin)
    {
        if (m.Type != MountType.Tmpfs && FilesystemOption is { } fs)
            throw new SpecException(origin, $"the mount option '{fs}' applies to a tmpfs; a {Describe(m.Type)} takes none (the kernel would ignore it)");
        if (m.Type == MountType.Symlink && (ReadOnly ?? NoExec ?? NoDev) is not null)
            throw new SpecException(origin, "a symlink takes no mount options");
        if (m.Type is MountType.Tmpfs or MountType.Proc && NoDev == false)
            throw new SpecException(origin, $"the mount option 'dev' is refused: a {Describe(m.Type)} of the sandbox is always nodev");
        if (m.Type == MountType.Proc && NoExec == false)
            throw new SpecException(origin, "the mount option 'exec' is refused: a proc of the sandbox is always noexec");
        return m with
        {
            ReadOnly = ReadOnly ?? m.ReadOnly,
            NoExec = NoExec ?? m.NoExec,
            NoDev = m.Type is MountType.Tmpfs or MountType.Proc ? m.NoDev : NoDev ?? m.NoDev, // always nodev
            TmpfsSizeBytes = Size ?? m.TmpfsSizeBytes,
            TmpfsInodes = Inodes ?? m.TmpfsInodes,
            TmpfsMode = Mode ?? m.TmpfsMode,
            TmpfsUid = Uid ?? m.TmpfsUid,
            TmpfsGid = Gid ?? m.TmpfsGid,
        };
    }

    private static string Describe(MountType t) => t switch
    {
        MountType.Bind => "bind",
        MountType.File => "file made from content",
        MountType.Proc => "proc",
        MountType.Symlink => "symlink",
        _ => "tmpfs",
    };

    /// <summary>A count or size as the kernel's memparse reads it: a number with an optional k, m, g or t (powers of 1024).</summary>
    private static ulong Number(string text, string option, string origin, bool units, ulong max = ulong.MaxValue)
    {
        int shift = units && text.Length > 0 ? char.ToLowerInvariant(text[^1]) switch { 'k' => 10, 'm' => 20, 'g' => 30, 't' => 40, _ => 0 } : 0;
        string digits = shift > 0 ? text[..^1] : text;
        if (ulong.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out ulong n) && n <= (max >> shift)) return n << shift;
        throw new SpecException(origin, $"the mount option '{option}' needs {(units ? "a number (with k, m, g or t)" : "a whole number")}");
    }

    private static uint Octal(string text, string option, string origin)
    {
        uint mode = 0;
        if (text.Length is > 0 and <= 5 && text.All(c => c is >= '0' and <= '7'))
            foreach (char c in text) mode = mode * 8 + (uint)(c - '0');
        else throw new SpecException(origin, $"the mount option '{option}' needs permission bits in octal (like 0755)");
        if (mode > 0xFFF) throw new SpecException(origin, $"the mount option '{option}' needs permission bits in octal, at most 7777");
        return mode;
    }
}
