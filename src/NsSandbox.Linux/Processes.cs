using System.Runtime.InteropServices;
using NsSandbox.Linux.Interop;

namespace NsSandbox.Linux;

/// <summary>Processes that are not this process's children (an OCI container's, reaped by its shim): signals by
/// pid and waits by watching /proc, the pid's start time telling it from a later process given the same pid.</summary>
public static class Processes
{
    /// <summary>kill(2); a process already gone is no error.</summary>
    public static void Signal(int pid, int signal)
    {
        if (Libc.Kill(pid, signal) != 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            if (errno != Errno.NoSuchProcess) throw new KernelException("kill", pid.ToString(), errno);
        }
    }

    /// <summary>Exited but not reaped yet: as good as gone for a container's status.</summary>
    public static bool IsZombie(int pid)
    {
        try
        {
            string stat = File.ReadAllText($"/proc/{pid}/stat");
            int close = stat.LastIndexOf(')');
            return close > 0 && close + 2 < stat.Length && stat[close + 2] is 'Z' or 'X';
        }
        catch (IOException)
        {
            return true;
        }
    }

    /// <summary>Waits until the process (this pid with this start time) is gone or a zombie; false on timeout.</summary>
    public static bool WaitGone(int pid, ulong startTime, TimeSpan timeout)
    {
        var until = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < until)
        {
            if (ProcessStartTime.Of(pid) != startTime || IsZombie(pid)) return true;
            Thread.Sleep(10);
        }
        return false;
    }
}
