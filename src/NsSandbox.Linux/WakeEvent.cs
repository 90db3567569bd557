using NsSandbox.Linux.Interop;

namespace NsSandbox.Linux;

/// <summary>An eventfd another thread writes to wake a thread waiting in an <see cref="EventSet"/>.</summary>
public sealed unsafe class WakeEvent : IDisposable
{
    private const int EfdCloexec = 0x80000, EfdNonblock = 0x800;

    public int Fd { get; private set; }

    public WakeEvent()
    {
        Fd = Libc.EventFd(0, EfdCloexec | EfdNonblock);
        KernelException.ThrowIfFailed(Fd, "eventfd");
    }

    public void Signal()
    {
        ulong one = 1;
        Libc.Write(Fd, (byte*)&one, sizeof(ulong));
    }

    /// <summary>Takes the signals so far, so that the next wait blocks until a new one.</summary>
    public void Clear()
    {
        ulong count;
        Libc.Read(Fd, (byte*)&count, sizeof(ulong));
    }

    public void Dispose()
    {
        if (Fd >= 0) Libc.Close(Fd);
        Fd = -1;
    }
}
