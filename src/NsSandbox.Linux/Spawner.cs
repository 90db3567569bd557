using NsSandbox.Linux.Interop;

namespace NsSandbox.Linux;

/// <summary>Clones stage 2 into new namespaces through the shim; the child runs no managed code until it has
/// execve()d a fresh copy of this binary.</summary>
public static unsafe class Spawner
{
    public sealed record Child(int Pid, int PidFd);

    public static Child Spawn(Namespaces namespaces, SeqPacketSocket childEnd, int cgroupFd,
        IReadOnlyList<string> stage2Argv, IReadOnlyList<string> stage2Env)
    {
        var owned = new List<nint>();
        try
        {
            var req = new Shim.SpawnRequest
            {
                CloneFlags = (ulong)namespaces,
                SyncFd = childEnd.Fd,
                CgroupFd = cgroupFd,
                Exe = (byte*)System.Runtime.InteropServices.Marshal.StringToCoTaskMemUTF8("/proc/self/exe"),
                Argv = NativeStrings.Array(stage2Argv, owned),
                Envp = NativeStrings.Array(stage2Env, owned),
            };
            owned.Add((nint)req.Exe);
            int pidFd;
            int pid = Shim.Spawn(&req, &pidFd);
            KernelException.ThrowIfNegative(pid, "clone", NamespaceNames(namespaces));
            return new Child(pid, pidFd);
        }
        finally
        {
            NativeStrings.Free(owned);
        }
    }

    public static string NamespaceNames(Namespaces ns) =>
        string.Join(",", Enum.GetValues<Namespaces>().Where(f => f != Namespaces.None && ns.HasFlag(f))
            .Select(f => f.ToString().ToLowerInvariant()));
}
