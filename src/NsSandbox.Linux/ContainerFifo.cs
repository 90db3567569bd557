using System.Buffers.Binary;
using System.Runtime.InteropServices;
using NsSandbox.Linux.Interop;
using NsSandbox.Linux.Stage2Code;

namespace NsSandbox.Linux;

/// <summary>A created container's exec fifo: its stage 2 holds it open and blocks reading it until `start`
/// writes the start message. Opening it for writing without blocking fails (ENXIO) when no stage 2 holds it.</summary>
public static class ContainerFifo
{
    private const int OWronly = 1, ONonblock = 0x800, OCloexec = 0x80000;

    public static void Create(string path)
    {
        if (Libc.Mkfifo(path, 384) != 0) throw new KernelException("mkfifo", path, Marshal.GetLastPInvokeError());
    }

    /// <summary>Writes the start message; false when nothing waits on the fifo (the container is not created).</summary>
    public static unsafe bool Start(string path)
    {
        int fd = Libc.Open(path, OWronly | ONonblock | OCloexec, 0);
        if (fd < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            if (errno is Errno.NoSuchDeviceOrAddress or Errno.NoEntry) return false;
            throw new KernelException("open", path, errno);
        }
        try
        {
            byte* word = stackalloc byte[4];
            BinaryPrimitives.WriteInt32LittleEndian(new Span<byte>(word, 4), ProgramFormat.MsgStart);
            if (Libc.Write(fd, word, 4) != 4) throw new KernelException("write", path, Marshal.GetLastPInvokeError());
            return true;
        }
        finally
        {
            Libc.Close(fd);
        }
    }
}
