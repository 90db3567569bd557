using System.Globalization;

namespace NsSandbox.Linux.Net;

/// <summary>Opens sockets in a sandbox's network namespace for the supervisor to keep (the resolver's listeners,
/// its nf_tables and log sockets): a socket belongs to the namespace it was created in, whichever thread later
/// uses it. The network namespace is per thread, so the calling thread enters it, creates them and goes back
/// (<see cref="NamespaceEntry"/>). This needs CAP_SYS_ADMIN in the launcher's own user namespace (root); an
/// unprivileged launcher would have a single-threaded helper join the sandbox's user and network namespaces and
/// pass the sockets back over a Unix socket (docs/adr/0012-egress-resolver-in-the-supervisor.md).</summary>
public static class SandboxNetns
{
    /// <summary>Runs <paramref name="create"/> inside the network namespace of <paramref name="pid"/> and returns
    /// what it made; its failures become <see cref="NetworkException"/>.</summary>
    public static T Run<T>(int pid, Func<T> create)
    {
        try
        {
            return NamespaceEntry.Within([(Namespaces.Net, $"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/ns/net")], create);
        }
        catch (Exception e) when (e is not NetworkException and (KernelException or System.Net.Sockets.SocketException or IOException))
        {
            throw new NetworkException($"open the resolver's sockets in the sandbox's network namespace: {e.Message}");
        }
    }
}
