namespace NsSandbox.Contract;

/// <summary>personality(2) flags nsjail's persona_* options set (linux/personality.h).</summary>
[Flags]
public enum Persona : uint
{
    None = 0,
    AddrNoRandomize = 0x0040000,
    MmapPageZero = 0x0100000,
    AddrCompatLayout = 0x0200000,
    ReadImpliesExec = 0x0400000,
    AddrLimit3Gb = 0x8000000,
}

/// <summary>How the target's process is set up besides its ids and limits (nsjail's process options).</summary>
public sealed record ProcessSpec
{
    /// <summary>setpriority(2) niceness, -20 to 19; null leaves the launcher's.</summary>
    public int? NiceLevel { get; init; }
    /// <summary>Run on this many of the launcher's CPUs, picked at random as nsjail does; 0 is no limit.</summary>
    public uint MaxCpus { get; init; }
    public Persona Personality { get; init; }
    /// <summary>prctl(PR_SET_TSC, PR_TSC_SIGSEGV): rdtsc and rdtscp fault (x86 only).</summary>
    public bool DisableTsc { get; init; }
    /// <summary>--silent: descriptors 0, 1 and 2 of the command are /dev/null.</summary>
    public bool Silent { get; init; }
    /// <summary>--stderr_to_null: descriptor 2 of the command is /dev/null.</summary>
    public bool StderrToNull { get; init; }
    /// <summary>The file to execute instead of the command's argv[0], which it still gets (nsjail's --exec_file
    /// and exec_bin's arg0); null runs argv[0].</summary>
    public string? ExecFile { get; init; }
    /// <summary>nsjail's --execute_fd: the file to execute is opened on the host before the sandbox is built and
    /// run with execveat, so it need not be inside the sandbox.</summary>
    public bool ExecuteFd { get; init; }
}
