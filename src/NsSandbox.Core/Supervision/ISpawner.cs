using NsSandbox.Core.Plan;
using NsSandbox.Linux;
using NsSandbox.Linux.Cgroups;

namespace NsSandbox.Core.Supervision;

/// <summary>Where a launch meets the process side of the kernel: cloning stage 2 and acting on the child. Behind
/// an interface so supervisor decisions (what is killed, reaped, reported when) can be tested without clone.</summary>
public interface ISpawner
{
    /// <summary>Clones stage 2 with its program; <paramref name="childEnd"/> is the child's end of the channel,
    /// <paramref name="stdio"/> its descriptors 0, 1 and 2. The child starts in <paramref name="cgroup"/> (v2)
    /// or joins it itself before anything else (v1).</summary>
    ISandboxProcess Spawn(Stage2Plan stage2, SeqPacketSocket childEnd, IRunCgroup? cgroup, ReadOnlySpan<byte> program, StdioFds stdio);

    /// <summary>Makes the caller the subreaper of what it spawns (<see cref="Orphans"/>); nothing for a fake.</summary>
    void AdoptOrphans() { }

    /// <summary>Kills and reaps the orphans adopted; nothing for a fake.</summary>
    void EndOrphans() { }
}

/// <summary>A cloned sandbox: stage 2, then the target it becomes.</summary>
public interface ISandboxProcess
{
    int Pid { get; }
    /// <summary>Readable once the process has exited (its pidfd).</summary>
    int ExitFd { get; }
    void WriteIdMaps(UserMapping users);
    /// <summary>Sends a signal; one to a process already gone is no error.</summary>
    void Signal(int signal);
    /// <summary>The signal that killed the exited process, without reaping it; null if it exited normally.</summary>
    int? PeekKillSignal();
    /// <summary>Detaches a ptrace stop the target put its parent in (see <see cref="TraceStops"/>).</summary>
    void DetachIfTraced();
    /// <summary>Waits for the process and returns how it ended (after a kill this returns promptly).</summary>
    ChildExit Reap();
    /// <summary>Frees what the spawn lent the child and closes the pidfd; after <see cref="Reap"/> only.</summary>
    void Release();
}
