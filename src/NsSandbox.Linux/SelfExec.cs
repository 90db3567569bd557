using System.Runtime.InteropServices;
using NsSandbox.Linux.Interop;

namespace NsSandbox.Linux;

/// <summary>Mode execve's hand-over: the plan goes into a memfd the new image inherits, and the launcher
/// execs itself (see nss_execve_stage in native/nss_shim.c for what happens before its runtime starts).</summary>
public static unsafe class SelfExec
{
    public const string StageArgument = "__execve_stage";

    /// <summary>A memfd holding the bytes, open without close-on-exec, positioned at 0.</summary>
    public static int MemoryFile(ReadOnlySpan<byte> content)
    {
        int fd = Libc.MemfdCreate("nssandbox-plan", 0);
        KernelException.ThrowIfFailed(fd, "memfd_create");
        fixed (byte* p = content)
            if (Libc.Write(fd, p, (nuint)content.Length) != content.Length) KernelException.ThrowIfFailed(-1, "write", "plan memfd");
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

    /// <summary>Reads a whole inherited file descriptor from the start, then closes it.</summary>
    public static byte[] ReadAndClose(int fd)
    {
        using var handle = new Microsoft.Win32.SafeHandles.SafeFileHandle(fd, ownsHandle: true);
        using var stream = new FileStream(handle, FileAccess.Read);
        stream.Position = 0;
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        return buffer.ToArray();
    }
}
