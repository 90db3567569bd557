using NsSandbox.Linux.Interop;

namespace NsSandbox.Linux;

/// <summary>The launcher's own resource limits (the planner resolves "soft" and "hard" from them).</summary>
public static unsafe class Rlimits
{
    public static (ulong Soft, ulong Hard) Get(RlimitResource resource)
    {
        Rlimit limit;
        KernelException.ThrowIfFailed(Libc.Getrlimit((int)resource, &limit), "getrlimit", resource.ToString().ToUpperInvariant());
        return (limit.Cur, limit.Max);
    }
}
