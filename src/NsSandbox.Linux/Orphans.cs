using System.Runtime.InteropServices;
using NsSandbox.Linux.Interop;

namespace NsSandbox.Linux;

/// <summary>Without a pid namespace, a process of the sandbox that double-forks or leaves for a session of its own
/// is not ended by the exit of the sandbox's first process, and without a cgroup nothing else would end it. A
/// supervisor of one sandbox therefore becomes the subreaper of its descendants: such a process is reparented to
/// it rather than to init, and is killed and reaped once the run is over.</summary>
public static unsafe class Orphans
{
    private const int PrSetChildSubreaper = 36, SigKill = 9, WNoHang = 1, EChild = 10;
    private static readonly TimeSpan ReapWithin = TimeSpan.FromSeconds(10);

    public static void Adopt() =>
        KernelException.ThrowIfFailed(Libc.Prctl(PrSetChildSubreaper, 1, 0, 0, 0), "prctl", "PR_SET_CHILD_SUBREAPER");

    /// <summary>Kills and reaps every child this process still has, and those that come to it meanwhile (their
    /// own orphans); returns how many. Call when no child of its own is left to wait for.</summary>
    public static int EndAll()
    {
        int ended = 0;
        var deadline = DateTime.UtcNow + ReapWithin;
        for (var children = Children(); children.Count > 0 && DateTime.UtcNow < deadline; children = Children())
        {
            foreach (int pid in children) Libc.Kill(pid, SigKill);
            foreach (int pid in children)
            {
                int status;
                while (DateTime.UtcNow < deadline)
                {
                    int r = Libc.Wait4(pid, &status, WNoHang, null);
                    if (r == pid || (r < 0 && Marshal.GetLastPInvokeError() == EChild)) break;
                    Thread.Sleep(1);
                }
            }
            ended += children.Count;
        }
        return ended;
    }

    private static List<int> Children()
    {
        var children = new List<int>();
        foreach (var task in DirectoryEntries.Read("/proc/self/task"))
        {
            try
            {
                foreach (string pid in File.ReadAllText($"/proc/self/task/{task.Name}/children").Split(' ', StringSplitOptions.RemoveEmptyEntries))
                    children.Add(int.Parse(pid, System.Globalization.CultureInfo.InvariantCulture));
            }
            catch (IOException)
            {
                // the thread ended meanwhile
            }
        }
        return children;
    }
}
