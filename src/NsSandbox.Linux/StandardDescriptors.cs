using System.Runtime.InteropServices;
using NsSandbox.Linux.Interop;

namespace NsSandbox.Linux;

/// <summary>A caller may start the launcher with descriptor 0, 1 or 2 closed. The next file opened would take that
/// number, and a message meant for stderr, or the sandbox's own stdio, would reach a lock file or a socket. So
/// each closed one is opened on /dev/null first thing, as daemons do: the sandbox then finds /dev/null there.</summary>
public static class StandardDescriptors
{
    private const int ORdwr = 2, FGetfd = 1;

    public static void EnsureOpen()
    {
        for (int fd = 0; fd < 3; fd++)
        {
            if (Libc.Fcntl(fd, FGetfd, 0) != -1 || Marshal.GetLastPInvokeError() != Errno.BadDescriptor) continue;
            int opened = Libc.Open("/dev/null", ORdwr, 0); // the lowest free number, which is fd
            if (opened >= 0 && opened != fd) Libc.Close(opened); // fd was taken meanwhile: nothing to do
        }
    }
}
