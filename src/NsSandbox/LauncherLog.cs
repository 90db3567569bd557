using Microsoft.Win32.SafeHandles;
using NsSandbox.Linux;

namespace NsSandbox;

/// <summary>--log FILE and --log_fd N (nsjail's, and log_file/log_fd in its configs): the launcher's own messages,
/// errors and warnings included, go there instead of stderr; the command's stderr is untouched.</summary>
public static class LauncherLog
{
    /// <summary>Points Console.Error at the log; returns its descriptor (2 without one), for mode execve's stage.</summary>
    public static int Redirect(SandboxSpec spec)
    {
        string origin = spec.OriginOf("log", spec.LogFile is null ? "--log_fd" : "--log");
        int fd;
        bool owned;
        if (spec.LogFile is { } file)
        {
            try
            {
                fd = LogDescriptor.OpenAppend(file);
            }
            catch (KernelException e)
            {
                throw new SpecException(origin, $"cannot open {file}: {KernelException.Describe(e.Errno)}");
            }
            owned = true;
        }
        else if (spec.LogFd is { } n && n != 2)
        {
            if (!LogDescriptor.IsOpen(n)) throw new SpecException(origin, $"descriptor {n} is not open");
            (fd, owned) = (n, false);
        }
        else return 2;
        var stream = new FileStream(new SafeFileHandle(fd, owned), FileAccess.Write, bufferSize: 0);
        Console.SetError(new StreamWriter(stream) { AutoFlush = true });
        return fd;
    }
}
