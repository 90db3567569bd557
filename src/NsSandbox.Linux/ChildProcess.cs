using NsSandbox.Linux.Interop;

namespace NsSandbox.Linux;

/// <summary>How a waited-for child ended, with its resource usage.</summary>
public sealed record ChildExit(int? ExitCode, int? Signal, TimeSpan User, TimeSpan System, long MaxRssBytes);

/// <summary>Waiting for, signalling and reaping a child through its pidfd (no pid reuse races).</summary>
public static unsafe class ChildProcess
{
    private const short PollIn = 0x1;
    public const int SigKill = 9;

    /// <summary>How often the wait looks for a ptrace stop to detach (a pidfd does not wake on stops).</summary>
    private const int TraceCheckMs = 250;

    /// <summary>Waits until the child exits or the timeout passes; true when it exited. Runs on the thread that
    /// cloned the child, which detaches the child should it have made this thread its tracer.
    /// <paramref name="whileRunning"/> runs each time a check finds the child still running (every 250 ms).</summary>
    public static bool WaitForExit(int pidFd, int pid, TimeSpan? timeout, Action? whileRunning = null)
    {
        // The precise monotonic clock, not TickCount64 (jiffies, up to 4 ms coarse): a time limit must never end
        // before the wall time the report then gives.
        long deadline = timeout is { } t ? MonotonicClock.NowNs + t.Ticks * 100 : long.MaxValue;
        while (true)
        {
            long left = deadline - MonotonicClock.NowNs;
            if (left <= 0) return false;
            var pfd = new PollFd { Fd = pidFd, Events = PollIn };
            int r = Libc.Poll(&pfd, 1, (int)Math.Min((left + 999_999) / 1_000_000, TraceCheckMs));
            if (r > 0) return true;
            if (r == 0)
            {
                TraceStops.DetachIfStopped(pid);
                whileRunning?.Invoke();
            }
            if (r < 0 && System.Runtime.InteropServices.Marshal.GetLastPInvokeError() != Errno.Interrupted)
                KernelException.ThrowIfFailed(-1, "poll", "pidfd");
        }
    }

    /// <summary>Whether the child has exited (its pidfd is readable), without waiting.</summary>
    public static bool HasExited(int pidFd)
    {
        var pfd = new PollFd { Fd = pidFd, Events = PollIn };
        return Libc.Poll(&pfd, 1, 0) > 0 && (pfd.Revents & PollIn) != 0;
    }

    /// <summary>Sends a signal through the pidfd; a child already gone is not an error.</summary>
    public static void Signal(int pidFd, int signal)
    {
        if (Libc.PidfdSendSignal(pidFd, signal, null, 0) != 0 && System.Runtime.InteropServices.Marshal.GetLastPInvokeError() != Errno.NoSuchProcess)
            KernelException.ThrowIfFailed(-1, "pidfd_send_signal", signal.ToString());
    }

    /// <summary>The signal that killed an exited child, without reaping it (waitid WNOWAIT): while it is an
    /// unreaped zombie, its pid cannot be reused. Null when it exited normally or has not exited.</summary>
    public static int? PeekKillSignal(int pid)
    {
        const int PPid = 1, WExited = 4, WNoHang = 1, WNoWait = 0x01000000, CldKilled = 2, CldDumped = 3;
        byte* info = stackalloc byte[128];
        new Span<byte>(info, 128).Clear();
        while (Libc.Waitid(PPid, (uint)pid, info, WExited | WNoHang | WNoWait) < 0)
        {
            int errno = System.Runtime.InteropServices.Marshal.GetLastPInvokeError();
            if (errno != Errno.Interrupted) throw new KernelException("waitid", pid.ToString(), errno);
        }
        // siginfo_t: si_signo, si_errno, si_code, then (at 16) si_pid, si_uid, si_status.
        int code = *(int*)(info + 8);
        int childPid = *(int*)(info + 16);
        return childPid == pid && code is CldKilled or CldDumped ? *(int*)(info + 24) : null;
    }

    /// <summary>Reaps the child (blocking) and returns how it ended.</summary>
    public static ChildExit Reap(int pid)
    {
        int status;
        Rusage usage;
        while (Libc.Wait4(pid, &status, 0, &usage) < 0)
        {
            int errno = System.Runtime.InteropServices.Marshal.GetLastPInvokeError();
            if (errno != Errno.Interrupted) throw new KernelException("wait4", pid.ToString(), errno);
        }
        int termSig = status & 0x7f;
        int? exitCode = termSig == 0 ? (status >> 8) & 0xff : null;
        int? signal = termSig != 0 ? termSig : null;
        return new ChildExit(exitCode, signal, ToTimeSpan(usage.Utime), ToTimeSpan(usage.Stime), usage.MaxRssKiB * 1024);
    }

    public static void Close(int fd) => Libc.Close(fd);

    private static TimeSpan ToTimeSpan(Timeval tv) => TimeSpan.FromTicks(tv.Sec * TimeSpan.TicksPerSecond + tv.Usec * 10);
}
