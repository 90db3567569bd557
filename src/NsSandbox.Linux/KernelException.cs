using NsSandbox.Linux.Interop;

namespace NsSandbox.Linux;

/// <summary>A failed system call: which call, the argument that matters (usually a path) and errno.</summary>
public sealed class KernelException(string call, string? subject, int errno)
    : Exception(Format(call, subject, errno))
{
    public string Call { get; } = call;
    public string? Subject { get; } = subject;
    public int Errno { get; } = errno;

    public static unsafe string Describe(int errno) =>
        System.Runtime.InteropServices.Marshal.PtrToStringUTF8((nint)Libc.Strerror(errno)) ?? $"errno {errno}";

    private static string Format(string call, string? subject, int errno) =>
        subject is null ? $"{call}: {Describe(errno)}" : $"{call} {subject}: {Describe(errno)}";

    /// <summary>Throws for a libc-style result (-1 with errno set).</summary>
    internal static void ThrowIfFailed(int result, string call, string? subject = null)
    {
        if (result == -1) throw new KernelException(call, subject, System.Runtime.InteropServices.Marshal.GetLastPInvokeError());
    }

    /// <summary>Throws for a shim-style result (-errno).</summary>
    internal static void ThrowIfNegative(int result, string call, string? subject = null)
    {
        if (result < 0) throw new KernelException(call, subject, -result);
    }
}
