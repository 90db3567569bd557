using System.Runtime.InteropServices;

namespace NsSandbox.Reliability.Tests;

/// <summary>The two calls the suite makes itself (it does not use the launcher's own Linux layer, so that it checks
/// the binary independently of that code).</summary>
public static partial class Posix
{
    public const int WNoHang = 1;

    [LibraryImport("libc", EntryPoint = "waitpid", SetLastError = true)]
    public static partial int WaitPid(int pid, out int status, int options);

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int KillNative(int pid, int signal);

    public static void Kill(int pid, int signal)
    {
        if (KillNative(pid, signal) != 0) throw new IOException($"kill {pid} {signal}: errno {Marshal.GetLastPInvokeError()}");
    }
}
