using NsSandbox.Linux.Interop;

namespace NsSandbox.Linux;

/// <summary>The launcher's own resource limits (the planner resolves "soft" and "hard" from them).</summary>
public static unsafe class Rlimits
{
    public static (ulong Soft, ulong Hard) Get(RlimitResource resource)
    {
        Rlimit limit;
        if (Libc.Getrlimit((int)resource, &limit) != 0)
            KernelException.ThrowIfFailed(-1, "getrlimit", FlagNames.Of(resource).ToUpperInvariant());
        return (limit.Cur, limit.Max);
    }
}
