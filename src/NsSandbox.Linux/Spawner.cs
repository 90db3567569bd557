using NsSandbox.Linux.Interop;

namespace NsSandbox.Linux;

/// <summary>Clones stage 2 into new namespaces through the shim. The child runs no managed code: it executes
/// its copy of the stage-2 program (native/nss_stage2.c), which ends in the target's execve.</summary>
public static unsafe class Spawner
{
    /// <summary>The cloned child. <see cref="Release"/> it once it has exec'd or been reaped: until then it may
    /// be running on memory the shim lent it.</summary>
    public sealed class Child
    {
        private Shim.ChildHandle _handle;

        internal Child(Shim.ChildHandle handle) => _handle = handle;

        public int Pid => _handle.Pid;
        public int PidFd => _handle.PidFd;

        public void Release()
        {
            fixed (Shim.ChildHandle* h = &_handle) Shim.ReleaseChild(h);
        }
    }

    /// <summary>Clones a child that runs <paramref name="program"/> (its own copy): it may be called from several
    /// threads at once.</summary>
    public static Child Spawn(in SpawnRequest request, ReadOnlySpan<byte> program)
    {
        fixed (byte* p = program)
        {
            var req = new Shim.SpawnRequest
            {
                CloneFlags = (ulong)request.Namespaces,
                SyncFd = request.SyncFd,
                CgroupFd = request.CgroupFd,
                Program = p,
                ProgramLength = (uint)program.Length,
                StdinFd = request.StdinFd,
                StdoutFd = request.StdoutFd,
                StderrFd = request.StderrFd,
                DieWithParent = request.DieWithParent ? 1 : 0,
            };
            if (request.CgroupTasksFds is { } tasks)
            {
                if (tasks.Count > Shim.CgroupTasksMax) throw new ArgumentException($"more than {Shim.CgroupTasksMax} cgroup v1 hierarchies to join");
                req.CgroupTasksCount = tasks.Count;
                for (int i = 0; i < tasks.Count; i++) req.CgroupTasksFds[i] = tasks[i];
            }
            Shim.ChildHandle handle;
            int rc = Shim.Spawn(&req, &handle);
            if (rc < 0) throw new KernelException("clone", NamespaceNames(request.Namespaces), -rc);
            return new Child(handle);
        }
    }

    public static string NamespaceNames(Namespaces ns) => FlagNames.Of(ns);
}
