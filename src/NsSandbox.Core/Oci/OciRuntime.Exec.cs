using System.Globalization;
using NsSandbox.Contract.Oci;
using NsSandbox.Core.Channel;
using NsSandbox.Linux;
using NsSandbox.Linux.Stage2Code;

namespace NsSandbox.Core.Oci;

/// <summary>`exec`: a new process in a running container. The spawning thread enters the container's network,
/// ipc, uts, cgroup and pid namespaces (per-thread ones) for the clone; the child joins its mount namespace
/// itself, starts in its cgroup, and sets itself up as config.json's process would (the process object given,
/// the container's seccomp filter) before it execs. With --detach the process is left to the caller (the
/// shim reaps it), as `create` leaves the container's first process. The createContainer and startContainer
/// hooks are started the same way (OciRuntime.Hooks.cs).</summary>
public sealed partial class OciRuntime
{
    private static readonly (string Name, Namespaces Kind)[] ThreadNamespaces =
        [("network", Namespaces.Net), ("ipc", Namespaces.Ipc), ("uts", Namespaces.Uts), ("cgroup", Namespaces.Cgroup), ("pid", Namespaces.Pid)];

    /// <summary>Returns the process's exit status when not detached (128+N for signal N), else 0.</summary>
    public int Exec(string id, ContainerProcess process, bool detach, string? pidFile, string? consoleSocket)
    {
        var state = Load(id);
        string status = Status(state);
        if (status == "paused") throw new OciException($"cannot exec in a paused container: {id} (resume it first)");
        if (status is not ("running" or "created")) throw new OciException($"cannot exec in a {status} container: {id}");
        if (process.Terminal && consoleSocket is null) throw new OciException("exec: a terminal needs --console-socket");
        if (!process.Terminal && consoleSocket is not null) throw new OciException("exec: --console-socket given for a process without a terminal");
        var spec = OciConfigReader.Read(state.Bundle);
        var seccomp = OciSeccomp.Compile(state.Bundle, spec.Linux?.Seccomp, options);

        var writer = new ProgramWriter(timing: false, describe: false, 32);
        JoinUserAndMount(state, writer); // a container's user namespace too, config.json's or --hardened's
        ContainerBuilder.BuildProcess(process, groupsAllowed: true, seccomp, writer);
        ContainerBuilder.Exec(process, seccomp, writer);
        foreach (string warning in process.Warnings) say("warning: " + warning);
        var program = writer.Finish();

        var child = SpawnInContainer(state, NamespaceKinds(spec), program, process.Argv[0], StdioFds.Inherit, dieWithParent: false, out int terminal,
            pid => { if (process.OomScoreAdj is { } adj) File.WriteAllText($"/proc/{pid}/oom_score_adj", adj.ToString(CultureInfo.InvariantCulture)); });
        bool ran = false;
        try
        {
            if (terminal >= 0)
            {
                if (process.ConsoleSize is { } size) Pty.SetSize(terminal, size.Rows, size.Columns);
                Pty.SendMaster(terminal, consoleSocket!);
            }
            if (pidFile is not null) OutputFile.Write(pidFile, child.Pid.ToString(CultureInfo.InvariantCulture));
            ran = true;
        }
        finally
        {
            if (terminal >= 0) ChildProcess.Close(terminal);
            if (!ran) KillAndReap(child);
        }
        if (detach)
        {
            ChildProcess.Close(child.PidFd);
            return 0;
        }
        var exit = ChildProcess.Reap(child.Pid);
        child.Release();
        ChildProcess.Close(child.PidFd);
        return exit.ExitCode ?? 128 + (exit.Signal ?? 0);
    }

    /// <summary>Starts <paramref name="program"/> inside the container (the namespaces config.json names, its
    /// cgroup) and returns once it has exec'd, with the terminal's master if it made one; a set-up error kills
    /// it and throws. The caller reaps it (and closes its pidfd). <paramref name="prepare"/> gets its pid before it
    /// is told to go.</summary>
    private Spawner.Child SpawnInContainer(ContainerState state, IReadOnlySet<string> kinds, Stage2Program program, string command,
        StdioFds stdio, bool dieWithParent, out int terminal, Action<int>? prepare = null)
    {
        var joins = ThreadNamespaces.Where(t => kinds.Contains(t.Name))
            .Select(t => (t.Kind, NamespacePath(state, t.Kind == Namespaces.Net ? "net" : t.Kind == Namespaces.Pid ? "pid" : t.Name))).ToList();
        var cgroup = Cgroup(state);
        var (parentEnd, childEnd) = SeqPacketSocket.CreatePair();
        using var channel = new StageChannel(parentEnd, program);
        Spawner.Child child;
        using (childEnd)
            child = SpawnInto(cgroup, joins, Namespaces.None, childEnd, program, stdio, dieWithParent);
        terminal = -1;
        try
        {
            if (cgroup.Version == 1) cgroup.Attach(child.Pid);
            prepare?.Invoke(child.Pid);
            channel.SendGo();
            // Messages until the exec closes the channel: the terminal's master, or an error.
            while (true)
            {
                if (!channel.Socket.WaitReadable(SetupTimeout)) throw new OciException($"{command}: the process did not start within {SetupTimeout.TotalSeconds:0} s");
                var message = channel.Receive(descriptors: true);
                if (message is null) return child;
                if (message.Error is { } error) throw new OciException(Describe(error, command));
                if (message.Point == StagePoint.Terminal) terminal = message.Descriptor;
            }
        }
        catch
        {
            if (terminal >= 0) ChildProcess.Close(terminal);
            terminal = -1;
            KillAndReap(child);
            throw;
        }
    }

    private static void KillAndReap(Spawner.Child child)
    {
        ChildProcess.Signal(child.PidFd, ChildProcess.SigKill);
        ChildProcess.Reap(child.Pid);
        child.Release();
        ChildProcess.Close(child.PidFd);
    }

    private static string NamespacePath(ContainerState state, string name) => $"/proc/{state.Pid}/ns/{name}";

    /// <summary>The first joins of a process started in the container (exec, hooks): its user namespace, if it has
    /// one of its own, so that it is the container's root and not the host's in the mount namespace it joins next.</summary>
    private static void JoinUserAndMount(ContainerState state, ProgramWriter writer)
    {
        string mnt = NamespacePath(state, "mnt");
        if (!HasOwnUserNamespace(state))
        {
            writer.JoinNamespace(mnt, Namespaces.Mount);
            return;
        }
        // Opened first: a container still setting up (createContainer) is not dumpable, and its container root
        // may not open its /proc entries.
        int slot = writer.Open(mnt, 0);
        writer.JoinNamespace(NamespacePath(state, "user"), Namespaces.User);
        writer.JoinNamespace(slot, mnt, Namespaces.Mount);
        writer.CloseDescriptor(slot);
    }

    /// <summary>Whether the container's process is in another user namespace than the runtime's (as the kernel
    /// says, whether config.json asked for it or --hardened added it).</summary>
    private static bool HasOwnUserNamespace(ContainerState state)
    {
        string theirs = new FileInfo(NamespacePath(state, "user")).LinkTarget ?? throw new OciException($"container {state.Id}: its user namespace cannot be read");
        return theirs != new FileInfo("/proc/self/ns/user").LinkTarget;
    }

    /// <summary>The namespace types config.json names (made or joined by path): the ones an exec enters.</summary>
    private static HashSet<string> NamespaceKinds(OciSpec spec) => (spec.Linux?.Namespaces ?? []).Select(n => n.Type).ToHashSet();
}
