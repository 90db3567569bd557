using NsSandbox.Linux.Interop;

namespace NsSandbox.Linux;

/// <summary>Descriptors for the launcher's own messages (--log FILE, --log_fd N).</summary>
public static class LogDescriptor
{
    private const int OWronly = 1, OCreat = 0x40, OAppend = 0x400, FGetfd = 1;

    /// <summary>FILE opened for appending (created 0640, as nsjail does), close-on-exec; throws on failure.</summary>
    public static int OpenAppend(string path)
    {
        int fd = Libc.Open(path, OWronly | OCreat | OAppend | Libc.OCloexec, 0b110_100_000);
        KernelException.ThrowIfFailed(fd, "open", path);
        return fd;
    }

    public static bool IsOpen(int fd) => Libc.Fcntl(fd, FGetfd, 0) != -1;

    /// <summary>Writes a line straight to <paramref name="fd"/>, best effort: for last words when the process may
    /// have no descriptor or memory left to set up a Console stream.</summary>
    /// <summary>Writes bytes as they are (a u8 literal: nothing to allocate when no memory is left), best effort.</summary>
    public static unsafe void Write(int fd, ReadOnlySpan<byte> bytes)
    {
        fixed (byte* p = bytes)
            for (nuint done = 0; done < (nuint)bytes.Length;)
            {
                nint n = Libc.Write(fd, p + done, (nuint)bytes.Length - done);
                if (n <= 0) return;
                done += (nuint)n;
            }
    }

    public static unsafe void WriteLine(int fd, string line)
    {
        byte[] bytes = System.Text.Encoding.UTF8.GetBytes(line + "\n");
        fixed (byte* p = bytes)
            for (nuint done = 0; done < (nuint)bytes.Length;)
            {
                nint n = Libc.Write(fd, p + done, (nuint)bytes.Length - done);
                if (n <= 0) return;
                done += (nuint)n;
            }
    }

    /// <summary>Lets the descriptor survive an execve (mode execve's stage prints its errors there).</summary>
    public static void Inherit(int fd) =>
        KernelException.ThrowIfFailed(Libc.Fcntl(fd, Libc.FSetfd, 0), "fcntl", fd.ToString(System.Globalization.CultureInfo.InvariantCulture));
}
