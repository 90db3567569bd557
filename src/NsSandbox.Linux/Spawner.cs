using NsSandbox.Linux.Interop;

namespace NsSandbox.Linux;

/// <summary>Clones stage 2 into new namespaces through the shim. The child runs no managed code: it executes
/// its copy of the stage-2 program (native/nss_stage2.c), which ends in the target's execve.</summary>
public static unsafe class Spawner
{
    public sealed record Child(int Pid, int PidFd);

    public static Child Spawn(Namespaces namespaces, SeqPacketSocket childEnd, int cgroupFd, byte[] program)
    {
        // The program's string arrays hold 64-bit words: the interpreter wants it 8-byte aligned, as array data is.
        fixed (byte* p = program)
        {
            var req = new Shim.SpawnRequest
            {
                CloneFlags = (ulong)namespaces,
                SyncFd = childEnd.Fd,
                CgroupFd = cgroupFd,
                Program = p,
                ProgramLength = (uint)program.Length,
            };
            int pidFd;
            int pid = Shim.Spawn(&req, &pidFd);
            KernelException.ThrowIfNegative(pid, "clone", NamespaceNames(namespaces));
            return new Child(pid, pidFd);
        }
    }

    public static string NamespaceNames(Namespaces ns) =>
        string.Join(",", Enum.GetValues<Namespaces>().Where(f => f != Namespaces.None && ns.HasFlag(f))
            .Select(f => f.ToString().ToLowerInvariant()));
}
