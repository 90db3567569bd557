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
/// shim reaps it), as `create` leaves the container's first process.</summary>
public sealed partial class OciRuntime
{
    private static readonly (string Name, Namespaces Kind)[] ThreadNamespaces =
        [("network", Namespaces.Net), ("ipc", Namespaces.Ipc), ("uts", Namespaces.Uts), ("cgroup", Namespaces.Cgroup), ("pid", Namespaces.Pid)];

    /// <summary>Returns the process's exit status when not detached (128+N for signal N), else 0.</summary>
    public int Exec(string id, ContainerProcess process, bool detach, string? pidFile, string? consoleSocket)
    {
        var state = Load(id);
        string status = Status(state);
        if (status is not ("running" or "created")) throw new OciException($"cannot exec in a {status} container: {id}");
        if (process.Terminal && consoleSocket is null) throw new OciException("exec: a terminal needs --console-socket");
        if (!process.Terminal && consoleSocket is not null) throw new OciException("exec: --console-socket given for a process without a terminal");
        var spec = OciConfigReader.Read(state.Bundle);
        var kinds = (spec.Linux?.Namespaces ?? []).Select(n => n.Type).ToHashSet();
        if (kinds.Contains("user")) throw new OciException("exec into a container with its own user namespace is not supported yet");
        var seccomp = OciSeccomp.Compile(spec.Linux?.Seccomp, options);
        string ns = $"/proc/{state.Pid}/ns/";
        var joins = ThreadNamespaces.Where(t => kinds.Contains(t.Name))
            .Select(t => (t.Kind, ns + (t.Kind == Namespaces.Net ? "net" : t.Kind == Namespaces.Pid ? "pid" : t.Name))).ToList();

        var writer = new ProgramWriter(timing: false, describe: false, 32);
        writer.JoinNamespace(ns + "mnt", Namespaces.Mount);
        ContainerBuilder.BuildProcess(process, groupsAllowed: true, seccomp, writer);
        ContainerBuilder.Exec(process, seccomp, writer);
        foreach (string warning in process.Warnings) say("warning: " + warning);
        var program = writer.Finish();

        var cgroup = Cgroup(state);
        var (parentEnd, childEnd) = SeqPacketSocket.CreatePair();
        using var channel = new StageChannel(parentEnd, program);
        Spawner.Child child;
        using (childEnd)
            child = SpawnInto(cgroup, joins, Namespaces.None, childEnd, program);
        int terminal = -1;
        bool ran = false;
        try
        {
            if (cgroup.Version == 1) cgroup.Attach(child.Pid);
            if (process.OomScoreAdj is { } adj) File.WriteAllText($"/proc/{child.Pid}/oom_score_adj", adj.ToString(CultureInfo.InvariantCulture));
            channel.SendGo();
            // Messages until the exec closes the channel: the terminal's master, or an error.
            while (true)
            {
                if (!channel.Socket.WaitReadable(SetupTimeout)) throw new OciException($"exec: the process did not start within {SetupTimeout.TotalSeconds:0} s");
                var message = channel.Receive(descriptors: true);
                if (message is null) break;
                if (message.Error is { } error) throw new OciException(Describe(error, process.Argv[0]));
                if (message.Point == StagePoint.Terminal) terminal = message.Descriptor;
            }
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
            if (!ran)
            {
                ChildProcess.Signal(child.PidFd, ChildProcess.SigKill);
                ChildProcess.Reap(child.Pid);
                child.Release();
                ChildProcess.Close(child.PidFd);
            }
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
}
