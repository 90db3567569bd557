namespace NsSandbox.Contract;

/// <summary>The launcher's exit status. Otherwise it is the target's exit code, or 128+signal when the target
/// was killed by a signal. The report (--report) tells every case apart without ambiguity.</summary>
public static class ExitCodes
{
    /// <summary>The run asks for what this host or this launcher cannot give (limits without a usable cgroup, a network
    /// mode that needs root); refused before anything was created (docs/rootless.md).</summary>
    public const int Unavailable = 123;
    /// <summary>The wall-clock limit (--time_limit) ended the run, as timeout(1) does.</summary>
    public const int Timeout = 124;
    /// <summary>A malformed flag, config or policy; nothing ran and nothing was created.</summary>
    public const int Usage = 125;
    /// <summary>The sandbox could not be built, or the target could not be executed.</summary>
    public const int Setup = 126;
    /// <summary>The target was not found inside the sandbox.</summary>
    public const int NotFound = 127;
}
