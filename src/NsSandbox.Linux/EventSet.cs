using System.Runtime.InteropServices;
using NsSandbox.Linux.Interop;

namespace NsSandbox.Linux;

/// <summary>Waits on many descriptors at once (epoll): the pidfds and channels of every sandbox a supervisor
/// runs, so one thread serves them all however many there are. Each descriptor is registered with a token
/// that a wait returns when it becomes readable (a pidfd: its process exited; a socket: data or EOF).</summary>
public sealed unsafe class EventSet : IDisposable
{
    private const int EpollCloexec = 0x80000, CtlAdd = 1, CtlDel = 2;
    private const uint EpollIn = 0x1, EpollRdHup = 0x2000;
    private int _fd;

    public EventSet()
    {
        _fd = Libc.EpollCreate1(EpollCloexec);
        KernelException.ThrowIfFailed(_fd, "epoll_create1", null);
    }

    public void Add(int fd, ulong token) => Add(fd, token, EpollIn | EpollRdHup);

    /// <summary>Watches <paramref name="fd"/> for a hang-up or an error only (a TCP connection whose peer is gone
    /// both ways), not for data: a sandbox reads its connection, and data waiting for it must not wake the wait.</summary>
    public void AddHangup(int fd, ulong token) => Add(fd, token, 0); // EPOLLHUP and EPOLLERR are always reported

    private void Add(int fd, ulong token, uint events)
    {
        var ev = new EpollEvent { Events = events, Data = token };
        KernelException.ThrowIfFailed(Libc.EpollCtl(_fd, CtlAdd, fd, &ev), "epoll_ctl", fd.ToString());
    }

    /// <summary>Stops watching <paramref name="fd"/>; call before closing it (a descriptor another process also
    /// holds, such as a sandbox's connection, stays registered after this process closes its copy).</summary>
    public void Remove(int fd)
    {
        var ev = default(EpollEvent);
        Libc.EpollCtl(_fd, CtlDel, fd, &ev);
    }

    /// <summary>Waits up to <paramref name="timeoutMs"/> (-1: no limit) and fills <paramref name="ready"/> with
    /// the tokens of readable descriptors; returns how many (0 on timeout or an interrupting signal).</summary>
    public int Wait(Span<ulong> ready, int timeoutMs)
    {
        int max = Math.Min(ready.Length, 64);
        EpollEvent* events = stackalloc EpollEvent[max];
        int n = Libc.EpollWait(_fd, events, max, timeoutMs);
        if (n < 0)
        {
            if (Marshal.GetLastPInvokeError() == Errno.Interrupted) return 0;
            KernelException.ThrowIfFailed(n, "epoll_wait", null);
        }
        for (int i = 0; i < n; i++) ready[i] = events[i].Data;
        return n;
    }

    public void Dispose()
    {
        if (_fd >= 0) Libc.Close(_fd);
        _fd = -1;
    }
}
