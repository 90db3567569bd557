using System.Globalization;
using System.Runtime.InteropServices;
using NsSandbox.Linux.Interop;

namespace NsSandbox.Linux.Net;

/// <summary>Opens sockets in a sandbox's network namespace for the supervisor to keep (the resolver's listeners,
/// its nf_tables and log sockets): a socket belongs to the namespace it was created in, whichever thread later
/// uses it. setns changes only the calling thread of a multi-threaded process, so a thread of its own enters the
/// namespace, creates them, goes back and ends. This needs CAP_SYS_ADMIN in the launcher's own user namespace
/// (root); an unprivileged launcher would have a single-threaded helper join the sandbox's user and network
/// namespaces and pass the sockets back over a Unix socket (docs/adr/0010-egress-resolver.md).</summary>
public static class SandboxNetns
{
    /// <summary>Runs <paramref name="create"/> inside the network namespace of <paramref name="pid"/> and returns
    /// what it made; its exceptions and a failed setns become <see cref="NetworkException"/>.</summary>
    public static T Run<T>(int pid, Func<T> create)
    {
        T? result = default;
        Exception? error = null;
        var thread = new Thread(() =>
        {
            int own = -1, target = -1;
            try
            {
                own = Open("/proc/thread-self/ns/net");
                target = Open($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/ns/net");
                if (Libc.Setns(target, Libc.CloneNewNet) != 0)
                    throw new KernelException("setns", "the sandbox's network namespace", Marshal.GetLastPInvokeError());
                try
                {
                    result = create();
                }
                finally
                {
                    // The thread ends next; going back anyway keeps it harmless should anything run on it later.
                    Libc.Setns(own, Libc.CloneNewNet);
                }
            }
            catch (Exception e)
            {
                error = e;
            }
            finally
            {
                if (target >= 0) Libc.Close(target);
                if (own >= 0) Libc.Close(own);
            }
        }) { Name = "netns sockets" };
        thread.Start();
        thread.Join();
        if (error is NetworkException) throw error;
        if (error is not null) throw new NetworkException($"open the resolver's sockets in the sandbox's network namespace: {error.Message}");
        return result!;
    }

    private static int Open(string path)
    {
        int fd = Libc.Open(path, Libc.OCloexec, 0);
        if (fd < 0) throw new KernelException("open", path, Marshal.GetLastPInvokeError());
        return fd;
    }
}
