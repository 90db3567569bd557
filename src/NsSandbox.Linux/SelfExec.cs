using System.Runtime.InteropServices;
using NsSandbox.Linux.Interop;

namespace NsSandbox.Linux;

/// <summary>Mode execve's hand-over: stage 2's program goes into a memfd the new image inherits, and the launcher
/// execs itself (native/nss_execve_stage.c runs the program before the runtime would start).</summary>
public static unsafe class SelfExec
{
    public const string StageArgument = "__execve_stage";

    /// <summary>A memfd holding the bytes, open without close-on-exec, positioned at 0.</summary>
    public static int MemoryFile(ReadOnlySpan<byte> content)
    {
        int fd = Libc.MemfdCreate("nssandbox-stage2", 0);
        KernelException.ThrowIfFailed(fd, "memfd_create");
        fixed (byte* p = content)
            if (Libc.Write(fd, p, (nuint)content.Length) != content.Length) KernelException.ThrowIfFailed(-1, "write", "stage 2 memfd");
        return fd;
    }

    /// <summary>Replaces this process with a fresh copy of the launcher. Returns only on failure.</summary>
    public static KernelException Exec(IReadOnlyList<string> argv, IReadOnlyList<string> env)
    {
        var owned = new List<nint>();
        try
        {
            byte* path = (byte*)Marshal.StringToCoTaskMemUTF8("/proc/self/exe");
            owned.Add((nint)path);
            Libc.Execve(path, NativeStrings.Array(argv, owned), NativeStrings.Array(env, owned));
            return new KernelException("execve", "/proc/self/exe", Marshal.GetLastPInvokeError());
        }
        finally
        {
            NativeStrings.Free(owned);
        }
    }
}
