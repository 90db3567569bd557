using System.Runtime.InteropServices;
using NsSandbox.Linux.Interop;

namespace NsSandbox.Linux;

/// <summary>Runs an action (a clone) with the calling thread inside namespaces given by path, then puts the
/// thread back. Network, ipc, uts, cgroup and the pid namespace for children are per thread, so a
/// multi-threaded runtime may switch one thread; mount and user namespaces are not, and are refused earlier.</summary>
public static class NamespaceEntry
{
    private const int ORdonly = 0, OCloexec = 0x80000;

    public static T Within<T>(IReadOnlyList<(Namespaces Kind, string Path)> joins, Func<T> action)
    {
        if (joins.Count == 0) return action();
        var restore = new List<(int Fd, Namespaces Kind)>();
        try
        {
            Thread.BeginThreadAffinity();
            foreach (var (kind, path) in joins)
            {
                int own = OpenOrThrow("/proc/thread-self/ns/" + OwnName(kind));
                restore.Add((own, kind));
                int target = OpenOrThrow(path);
                try
                {
                    if (Libc.Setns(target, (int)kind) != 0) throw new KernelException("setns", path, Marshal.GetLastPInvokeError());
                }
                finally
                {
                    Libc.Close(target);
                }
            }
            return action();
        }
        finally
        {
            // Back where the thread was, whatever happened; a failure here would leave the thread elsewhere.
            foreach (var (fd, kind) in Enumerable.Reverse(restore))
            {
                if (Libc.Setns(fd, (int)kind) != 0) Environment.FailFast($"setns back into the runtime's own {kind} namespace failed");
                Libc.Close(fd);
            }
            Thread.EndThreadAffinity();
        }
    }

    private static string OwnName(Namespaces kind) => kind switch
    {
        Namespaces.Net => "net",
        Namespaces.Ipc => "ipc",
        Namespaces.Uts => "uts",
        Namespaces.Cgroup => "cgroup",
        Namespaces.Pid => "pid_for_children",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "not a per-thread namespace"),
    };

    private static int OpenOrThrow(string path)
    {
        int fd = Libc.Open(path, ORdonly | OCloexec, 0);
        if (fd < 0) throw new KernelException("open", path, Marshal.GetLastPInvokeError());
        return fd;
    }
}
