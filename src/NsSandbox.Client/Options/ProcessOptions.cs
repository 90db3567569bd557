namespace NsSandbox.Client;

/// <summary>How the command's process is set up besides its ids and limits (nsjail's process flags, docs/usage.md).</summary>
public sealed record ProcessOptions
{
    /// <summary><c>--exec_file</c>: the file executed instead of the command's first argument, which the command
    /// still gets as its argv[0].</summary>
    public string? ExecutableFile { get; init; }

    /// <summary><c>--execute_fd</c>: the file to execute is opened on the host before the sandbox is built and run
    /// from that descriptor, so it need not be inside the sandbox.</summary>
    public bool ExecuteFromDescriptor { get; init; }

    /// <summary><c>--silent</c>: the command's stdin, stdout and stderr are /dev/null.</summary>
    public bool Silent { get; init; }

    /// <summary><c>--stderr_to_null</c>: the command's stderr is /dev/null.</summary>
    public bool StderrToNull { get; init; }

    /// <summary><c>--nice_level</c>: the command's niceness, -20 to 19.</summary>
    public int? NiceLevel { get; init; }

    /// <summary><c>--max_cpus</c>: run on this many of the launcher's CPUs, picked at random.</summary>
    public uint? MaxCpus { get; init; }

    /// <summary><c>--disable_tsc</c>: rdtsc faults in the command (x86 only).</summary>
    public bool DisableTsc { get; init; }

    /// <summary>The <c>--persona_*</c> flags: personality(2) flags of the command.</summary>
    public Persona Personality { get; init; }

    private static readonly (Persona Flag, string Name)[] Personas =
    [
        (Persona.AddrCompatLayout, "persona_addr_compat_layout"), (Persona.MmapPageZero, "persona_mmap_page_zero"),
        (Persona.ReadImpliesExec, "persona_read_implies_exec"), (Persona.AddrLimit3Gb, "persona_addr_limit_3gb"),
        (Persona.AddrNoRandomize, "persona_addr_no_randomize"),
    ];

    internal void AppendTo(LauncherArguments args)
    {
        args.Value("exec_file", ExecutableFile);
        args.Switch("execute_fd", ExecuteFromDescriptor);
        args.Switch("silent", Silent);
        args.Switch("stderr_to_null", StderrToNull);
        args.Value("nice_level", NiceLevel?.ToString(System.Globalization.CultureInfo.InvariantCulture));
        args.Value("max_cpus", MaxCpus);
        args.Switch("disable_tsc", DisableTsc);
        foreach (var (flag, name) in Personas) args.Switch(name, Personality.HasFlag(flag));
    }
}
