using System.Runtime.InteropServices;
using NsSandbox.Linux.Interop;

namespace NsSandbox.Linux;

/// <summary>An eventfd that wakes a thread waiting in an <see cref="EventSet"/>: a signal handler (which runs on
/// a thread of the runtime's) sets it, the waiting thread sees its descriptor readable and resets it.</summary>
public sealed unsafe class WakeupEvent : IDisposable
{
    private const int EfdCloexec = 0x80000, EfdNonblock = 0x800;

    public int Fd { get; private set; }

    public WakeupEvent()
    {
        Fd = Libc.EventFd(0, EfdCloexec | EfdNonblock);
        KernelException.ThrowIfFailed(Fd, "eventfd", null);
    }

    /// <summary>Makes the descriptor readable; safe from any thread.</summary>
    public void Set()
    {
        ulong one = 1;
        Libc.Write(Fd, (byte*)&one, sizeof(ulong));
    }

    /// <summary>Makes it unreadable again (non-blocking: nothing to reset is no error).</summary>
    public void Reset()
    {
        ulong value;
        while (Libc.Read(Fd, (byte*)&value, sizeof(ulong)) < 0 && Marshal.GetLastPInvokeError() == Errno.Interrupted) { }
    }

    public void Dispose()
    {
        if (Fd >= 0) Libc.Close(Fd);
        Fd = -1;
    }
}
