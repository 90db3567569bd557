using System.Globalization;

namespace NsSandbox.Frontends.Cli;

/// <summary>nsjail's flags for the command's process and the launcher's own messages: the file executed, the
/// command's descriptors, niceness, CPUs, personality, rdtsc, and where the launcher logs. Their config keys are
/// in [exec], [process] and [launcher] (docs/config.md).</summary>
public static class ProcessFlags
{
    /// <summary>The persona_* switches, nsjail's names for personality(2) flags.</summary>
    public static readonly (string Name, Persona Flag, string Help)[] Personas =
    [
        ("persona_addr_compat_layout", Persona.AddrCompatLayout, "personality(ADDR_COMPAT_LAYOUT): the legacy mmap layout"),
        ("persona_mmap_page_zero", Persona.MmapPageZero, "personality(MMAP_PAGE_ZERO): map page 0 at exec (needs mmap_min_addr to allow it)"),
        ("persona_read_implies_exec", Persona.ReadImpliesExec, "personality(READ_IMPLIES_EXEC): readable memory is executable"),
        ("persona_addr_limit_3gb", Persona.AddrLimit3Gb, "personality(ADDR_LIMIT_3GB): 32-bit programs get a 3 GiB address space"),
        ("persona_addr_no_randomize", Persona.AddrNoRandomize, "personality(ADDR_NO_RANDOMIZE): no address space randomization"),
    ];

    public static IEnumerable<Flag> All()
    {
        var flags = new List<Flag>
        {
            new("exec_file", 'x', "FILE", "argv[0]", "execute FILE instead of the command's argv[0], which the command still gets as argv[0]",
                (b, v, o) => { b.ExecFile = v; b.NoteOrigin("exec_file", o); }),
            new("execute_fd", null, null, "off", "open the file to execute on the host before the sandbox is built and run it from that descriptor (execveat): it need not be in the sandbox",
                (b, _, o) => { b.ExecuteFd = true; b.NoteOrigin("execute_fd", o); }),
            new("silent", null, null, "off", "the command's stdin, stdout and stderr are /dev/null", (b, _, _) => b.Silent = true),
            new("stderr_to_null", null, null, "off", "the command's stderr is /dev/null", (b, _, _) => b.StderrToNull = true),
            new("nice_level", null, "N", "unchanged (nsjail: 19)", "the command's niceness, -20 (first) to 19 (last)",
                (b, v, o) => b.NiceLevel = Math.Clamp(Integer(o, v, "a niceness from -20 to 19"), -20, 19)),
            new("max_cpus", null, "N", "0 (all)", "run on N of the launcher's CPUs, picked at random",
                (b, v, o) => b.MaxCpus = (uint)Math.Min(Values.Count(o, v), uint.MaxValue)),
            new("disable_tsc", null, null, "off", "rdtsc and rdtscp fault in the command (PR_SET_TSC; x86 only)",
                (b, _, o) => { b.DisableTsc = true; b.NoteOrigin("disable_tsc", o); }),
            new("log", 'l', "FILE", "stderr", "append the launcher's own messages to FILE",
                (b, v, o) =>
                {
                    if (v.Length == 0) throw new SpecException(o, "expects a file");
                    (b.LogFile, b.LogFd) = (v, null);
                    b.NoteOrigin("log", o);
                }),
            new("log_fd", 'L', "FD", "2", "write the launcher's own messages to descriptor FD",
                (b, v, o) =>
                {
                    int fd = Integer(o, v, "a descriptor number");
                    if (fd < 0) throw new SpecException(o, $"'{v}' is not a descriptor number");
                    (b.LogFile, b.LogFd) = (null, fd);
                    b.NoteOrigin("log", o);
                }),
        };
        foreach (var (name, flag, help) in Personas)
            flags.Add(new Flag(name, null, null, "off", help, (b, _, _) => b.Personality |= flag));
        return flags;
    }

    /// <summary>A whole number as nsjail's strtol reads it (decimal, 0x hex), which may be negative.</summary>
    private static int Integer(string origin, string value, string expected)
    {
        string v = value.Trim();
        bool negative = v.StartsWith('-');
        string digits = negative || v.StartsWith('+') ? v[1..] : v;
        bool ok = digits.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
            ? int.TryParse(digits[2..], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out int n)
            : int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out n);
        if (!ok || n < 0) throw new SpecException(origin, $"'{value}' is not {expected}");
        return negative ? -n : n;
    }
}
