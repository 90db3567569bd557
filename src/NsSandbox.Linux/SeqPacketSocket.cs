using NsSandbox.Linux.Interop;

namespace NsSandbox.Linux;

/// <summary>One end of an AF_UNIX SOCK_SEQPACKET pair: message boundaries are kept, and the peer's exit
/// (or its successful execve, the descriptor being close-on-exec) reads as end of file.</summary>
public sealed unsafe class SeqPacketSocket : IDisposable
{
    private const int AfUnix = 1, SockSeqpacket = 5, SockCloexec = 0x80000, MsgNoSignal = 0x4000, MsgPeek = 0x2, MsgTrunc = 0x20;
    private const short PollIn = 0x1;
    public const int MaxMessage = 1 << 20;

    public int Fd { get; private set; }

    public SeqPacketSocket(int fd) => Fd = fd;

    public static (SeqPacketSocket Parent, SeqPacketSocket Child) CreatePair()
    {
        int* fds = stackalloc int[2];
        KernelException.ThrowIfFailed(Libc.Socketpair(AfUnix, SockSeqpacket | SockCloexec, 0, fds), "socketpair");
        return (new SeqPacketSocket(fds[0]), new SeqPacketSocket(fds[1]));
    }

    /// <summary>A second descriptor of the same end (close-on-exec), which outlives this one's disposal.</summary>
    public SeqPacketSocket Duplicate()
    {
        const int FDupFdCloexec = 1030;
        int fd = Libc.Fcntl(Fd, FDupFdCloexec, 0);
        KernelException.ThrowIfFailed(fd, "fcntl(F_DUPFD_CLOEXEC)", "sync channel");
        return new SeqPacketSocket(fd);
    }

    public void Send(ReadOnlySpan<byte> message)
    {
        fixed (byte* p = message)
        {
            nint n = Libc.Send(Fd, p, (nuint)message.Length, MsgNoSignal);
            if (n < 0) KernelException.ThrowIfFailed(-1, "send", "sync channel");
        }
    }

    /// <summary>The next message, or null at end of file.</summary>
    /// <summary>One message with a descriptor riding along (SCM_RIGHTS); the caller keeps its own copy.</summary>
    public void Send(ReadOnlySpan<byte> message, int descriptor) => DescriptorMessage.Send(Fd, message, descriptor, "the child's channel");

    public byte[]? Receive()
    {
        // Peeking with MSG_TRUNC gives the next message's length without taking it, so the buffer fits the
        // message: one of MaxMessage bytes cost each process 256 freshly zeroed pages.
        nint length = RecvRetrying(null, 0, MsgPeek | MsgTrunc);
        if (length <= 0) return null;
        var buffer = new byte[Math.Min(length, MaxMessage)];
        fixed (byte* p = buffer)
        {
            nint n = RecvRetrying(p, (nuint)buffer.Length, 0);
            return n <= 0 ? null : n == buffer.Length ? buffer : buffer.AsSpan(0, (int)n).ToArray();
        }
    }

    /// <summary>The next message and a descriptor passed with it (SCM_RIGHTS), or -1; null at end of file.</summary>
    public byte[]? Receive(out int passedFd)
    {
        passedFd = -1;
        nint length = RecvRetrying(null, 0, MsgPeek | MsgTrunc);
        if (length <= 0) return null;
        var buffer = new byte[Math.Min(length, MaxMessage)];
        byte* control = stackalloc byte[24];
        new Span<byte>(control, 24).Clear();
        fixed (byte* p = buffer)
        {
            var iov = new IoVec { Base = p, Length = (nuint)buffer.Length };
            var message = new MsgHdr { Iov = &iov, IovLength = 1, Control = control, ControlLength = 24 };
            nint n;
            while ((n = Libc.Recvmsg(Fd, &message, MsgCmsgCloexec)) < 0)
            {
                int errno = System.Runtime.InteropServices.Marshal.GetLastPInvokeError();
                if (errno == Errno.Interrupted) continue;
                if (errno == Errno.ConnectionReset) return null;
                throw new KernelException("recvmsg", "sync channel", errno);
            }
            // One cmsghdr {len, SOL_SOCKET, SCM_RIGHTS} with one int.
            if (message.ControlLength >= 20 && *(int*)(control + 8) == 1 && *(int*)(control + 12) == 1) passedFd = *(int*)(control + 16);
            return n <= 0 ? null : n == buffer.Length ? buffer : buffer.AsSpan(0, (int)n).ToArray();
        }
    }

    private const int MsgCmsgCloexec = 0x40000000;

    /// <summary>recv(2), retried on EINTR; 0 at end of file or when the peer is gone.</summary>
    private nint RecvRetrying(byte* buffer, nuint length, int flags)
    {
        while (true)
        {
            nint n = Libc.Recv(Fd, buffer, length, flags);
            if (n >= 0) return n;
            int errno = System.Runtime.InteropServices.Marshal.GetLastPInvokeError();
            if (errno == Errno.Interrupted) continue;
            if (errno == Errno.ConnectionReset) return 0; // the peer is gone
            throw new KernelException("recv", "sync channel", errno);
        }
    }

    /// <summary>Waits until a message or end of file can be read; false when the timeout passed first.</summary>
    public bool WaitReadable(TimeSpan? timeout)
    {
        // The precise clock, as in ChildProcess.WaitForExit: a time limit never ends early.
        long deadline = timeout is { } t ? MonotonicClock.NowNs + t.Ticks * 100 : long.MaxValue;
        while (true)
        {
            long left = deadline - MonotonicClock.NowNs;
            if (left <= 0) return false;
            var pfd = new PollFd { Fd = Fd, Events = PollIn };
            int r = Libc.Poll(&pfd, 1, (int)Math.Min((left + 999_999) / 1_000_000, int.MaxValue));
            if (r > 0) return true;
            if (r < 0 && System.Runtime.InteropServices.Marshal.GetLastPInvokeError() != Errno.Interrupted)
                KernelException.ThrowIfFailed(-1, "poll", "sync channel");
        }
    }

    public void Dispose()
    {
        if (Fd >= 0) Libc.Close(Fd);
        Fd = -1;
    }
}
