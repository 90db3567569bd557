using NsSandbox.Core.Plan;
using NsSandbox.Linux;
using NsSandbox.Linux.Cgroups;

namespace NsSandbox.Core.Supervision;

/// <summary>The real <see cref="ISpawner"/>: the native shim's clone, pidfds, and /proc's id map files.</summary>
public sealed class LinuxSpawner : ISpawner
{
    public static LinuxSpawner Instance { get; } = new();

    public ISandboxProcess Spawn(Stage2Plan stage2, SeqPacketSocket childEnd, IRunCgroup? cgroup, ReadOnlySpan<byte> program, StdioFds stdio) =>
        new Process(Spawner.Spawn(new SpawnRequest(stage2.Namespaces, childEnd.Fd, cgroup?.CloneIntoFd ?? -1, stage2.DieWithParent, stdio.In, stdio.Out, stdio.Err,
            cgroup?.TasksFds), program));

    public void AdoptOrphans() => Orphans.Adopt();

    public void EndOrphans() => Orphans.EndAll();

    private sealed class Process(Spawner.Child child) : ISandboxProcess
    {
        public int Pid => child.Pid;
        public int ExitFd => child.PidFd;

        public void WriteIdMaps(UserMapping u) => UserNamespace.WriteMaps(child.Pid, u.UidMapText, u.GidMapText, u.AllowSetgroups);
        public void Signal(int signal) => ChildProcess.Signal(child.PidFd, signal);
        public int? PeekKillSignal() => ChildProcess.PeekKillSignal(child.Pid);
        public void DetachIfTraced() => TraceStops.DetachIfStopped(child.Pid);
        public ChildExit Reap() => ChildProcess.Reap(child.Pid);

        public void Release()
        {
            child.Release();
            ChildProcess.Close(child.PidFd);
        }
    }
}
