using NsSandbox.Linux.Interop;

namespace NsSandbox.Linux;

/// <summary>The supervisor never acts as a tracer. A target that calls PTRACE_TRACEME makes its parent, the
/// supervisor, its tracer and then stops (at its next execve, or at each signal) waiting for it; left alone it
/// would hang until the time limit. Such a stop is detached at once, so the target runs on untraced.</summary>
public static unsafe class TraceStops
{
    private const int PPid = 1, WStopped = 2, WNoHang = 1, CldTrapped = 4, SigTrap = 5, PtraceDetach = 17;

    /// <summary>Detaches the child if it sits in a ptrace stop; true when it did. Must run on the thread that
    /// cloned the child: that thread, not the process, is the tracer.</summary>
    public static bool DetachIfStopped(int pid)
    {
        byte* info = stackalloc byte[128];
        new Span<byte>(info, 128).Clear();
        if (Libc.Waitid(PPid, (uint)pid, info, WStopped | WNoHang) < 0) return false;
        // siginfo_t: si_code at 8, si_pid at 16, si_status (the stop signal) at 24.
        if (*(int*)(info + 16) != pid || *(int*)(info + 8) != CldTrapped) return false;
        int stopSignal = *(int*)(info + 24) & 0x7f;
        // SIGTRAP is the stop's own marker (exec after TRACEME); any other signal is delivered as it would be.
        nint deliver = stopSignal == SigTrap ? 0 : stopSignal;
        return Libc.Ptrace(PtraceDetach, pid, 0, deliver) == 0;
    }
}
