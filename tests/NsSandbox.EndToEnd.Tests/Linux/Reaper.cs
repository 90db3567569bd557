using System.Runtime.InteropServices;

namespace NsSandbox.EndToEnd.Tests.Linux;

/// <summary>Reaps a process this test process became the parent of (an OCI container after `create` returned:
/// the suite is a subreaper, as containerd's shim is), with a bound.</summary>
public static partial class Reaper
{
    private const int WNoHang = 1;

    [LibraryImport("libc", EntryPoint = "waitpid", SetLastError = true)]
    private static partial int WaitPid(int pid, out int status, int options);

    /// <summary>The wait status's exit code, or 128+N for signal N.</summary>
    public static int ReapWithin(int pid, TimeSpan timeout)
    {
        var until = DateTime.UtcNow + timeout;
        while (true)
        {
            int rc = WaitPid(pid, out int status, WNoHang);
            if (rc == pid) return (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f);
            if (rc < 0) throw new IOException($"waitpid {pid}: errno {Marshal.GetLastPInvokeError()}");
            if (DateTime.UtcNow > until) throw new TimeoutException($"{pid} did not end within {timeout.TotalSeconds:0} s");
            Thread.Sleep(10);
        }
    }
}
