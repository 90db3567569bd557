using System.Runtime.InteropServices;
using System.Text;
using NsSandbox.Linux.Interop;

namespace NsSandbox.Linux;

/// <summary>An anonymous file in memory (memfd), close-on-exec: what a child reads as its stdin and writes its
/// output to, with nothing left on any file system whatever happens to the process.</summary>
public static unsafe class MemoryFile
{
    private const uint MfdCloexec = 1;
    private const int ORdonly = 0, OCloexec = 0x80000;

    public static int Create(string name, ReadOnlySpan<byte> content = default)
    {
        int fd = Libc.MemfdCreate(name, MfdCloexec);
        KernelException.ThrowIfFailed(fd, "memfd_create", name);
        fixed (byte* p = content)
        {
            for (int done = 0; done < content.Length;)
            {
                nint n = Libc.Write(fd, p + done, (nuint)(content.Length - done));
                if (n < 0)
                {
                    int errno = Marshal.GetLastPInvokeError();
                    Libc.Close(fd);
                    throw new KernelException("write", name, errno);
                }
                done += (int)n;
            }
        }
        return fd;
    }

    /// <summary>A new descriptor of the same file from its start (the one written to is at its end).</summary>
    public static int Reopen(int fd)
    {
        int copy = Libc.Open($"/proc/self/fd/{fd}", ORdonly | OCloexec, 0);
        KernelException.ThrowIfFailed(copy, "open", $"/proc/self/fd/{fd}");
        return copy;
    }

    /// <summary>The file's first <paramref name="max"/> bytes as text.</summary>
    public static string Read(int fd, int max)
    {
        int copy = Reopen(fd);
        try
        {
            var buffer = new byte[max];
            int total = 0;
            fixed (byte* p = buffer)
            {
                while (total < max)
                {
                    nint n = Libc.Read(copy, p + total, (nuint)(max - total));
                    if (n <= 0) break;
                    total += (int)n;
                }
            }
            return Encoding.UTF8.GetString(buffer, 0, total);
        }
        finally
        {
            Libc.Close(copy);
        }
    }
}
