using System.Runtime.InteropServices;
using System.Text;
using NsSandbox.Linux.Interop;

namespace NsSandbox.Linux;

/// <summary>A container's terminal, made by its stage 2 from its own /dev/ptmx (so ttyname works inside): the
/// runtime sizes its master and hands it to the engine through --console-socket (SCM_RIGHTS), as runc does.</summary>
public static unsafe class Pty
{
    private const nuint TiocSwinsz = 0x5414;
    private const int AfUnix = 1, SockStream = 1, SockCloexec = 0x80000;

    public static void SetSize(int master, uint rows, uint columns)
    {
        ushort* size = stackalloc ushort[4] { (ushort)rows, (ushort)columns, 0, 0 };
        if (Libc.Ioctl(master, TiocSwinsz, size) != 0) throw new KernelException("ioctl(TIOCSWINSZ)", "the terminal", Marshal.GetLastPInvokeError());
    }

    /// <summary>Connects to the engine's console socket and sends the master (the payload names the terminal).</summary>
    public static void SendMaster(int master, string socketPath)
    {
        int fd = Libc.Socket(AfUnix, SockStream | SockCloexec, 0);
        if (fd < 0) throw new KernelException("socket", socketPath, Marshal.GetLastPInvokeError());
        try
        {
            byte* address = stackalloc byte[110];
            new Span<byte>(address, 110).Clear();
            *(ushort*)address = AfUnix;
            int n = Encoding.UTF8.GetBytes(socketPath, new Span<byte>(address + 2, 107));
            if (Libc.Connect(fd, address, (uint)(2 + n + 1)) != 0) throw new KernelException("connect", socketPath, Marshal.GetLastPInvokeError());
            DescriptorMessage.Send(fd, "/dev/ptmx"u8, master, socketPath);
        }
        finally
        {
            Libc.Close(fd);
        }
    }
}
