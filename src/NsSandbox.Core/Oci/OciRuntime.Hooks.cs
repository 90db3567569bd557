using System.Text;
using NsSandbox.Contract.Oci;
using NsSandbox.Core.Plan;
using NsSandbox.Linux;
using NsSandbox.Linux.Stage2Code;

namespace NsSandbox.Core.Oci;

/// <summary>The hooks the runtime-spec runs in the container's namespaces, started as `exec` starts a process
/// (the namespaces config.json names, the container's cgroup), with the state on stdin and their output kept
/// for the error should they fail. createContainer: during create, while the container's set-up waits before
/// pivot_root, as root with the runtime's capabilities, in the rootfs directory (runc's working directory
/// then); the path resolves in the runtime's mount namespace, which the container's still is a copy of.
/// startContainer: during start, before the command execs, with the container process's ids, capabilities,
/// limits, working directory and seccomp filter; the path resolves in the container's root. In a container with a
/// user namespace both run in it, as `exec` does (createContainer as its root, with all its capabilities there).</summary>
public sealed partial class OciRuntime
{
    private const int HookOutputLimit = 4096;

    private static readonly (Namespaces Kind, string Name)[] NamespaceNames =
    [
        (Namespaces.Pid, "pid"), (Namespaces.Net, "network"), (Namespaces.Mount, "mount"), (Namespaces.Ipc, "ipc"),
        (Namespaces.Uts, "uts"), (Namespaces.User, "user"), (Namespaces.Cgroup, "cgroup"),
    ];

    private void RunCreateContainerHooks(ContainerPlan plan, ContainerState state, string stateJson)
    {
        if (plan.Hooks.CreateContainer is not { Count: > 0 } hooks) return;
        var kinds = NamespaceNames.Where(n => plan.NewNamespaces.HasFlag(n.Kind) || plan.Joins.Any(j => j.Kind == n.Kind))
            .Select(n => n.Name).ToHashSet();
        foreach (var hook in hooks)
        {
            var writer = new ProgramWriter(timing: false, describe: false, 8);
            JoinUserAndMount(state, writer);
            writer.ChangeDirectory(plan.RootFs); // still the host's root here, which the bundle's directories let in
            if (HasOwnUserNamespace(state)) writer.SetIds(0, 0); // the namespace's root, as runc's init is by then
            writer.ExecKeepingPrivileges([hook.Path], Argv(hook), hook.Env ?? []);
            RunInContainer("createContainer", hook, state, kinds, writer.Finish(), stateJson);
        }
    }

    private void RunStartContainerHooks(OciSpec spec, ContainerState state, IReadOnlyList<OciHook> hooks)
    {
        var process = ContainerPlanner.Process(spec.Process ?? throw new OciException($"the config of {state.Id} has no process"),
            "config.json", state.RootFs, new RealHostView(), options);
        var seccomp = OciSeccomp.Compile(state.Bundle, spec.Linux?.Seccomp, options);
        string stateJson = StateJson(state, "created");
        foreach (var hook in hooks)
        {
            var hookProcess = process with
            {
                Argv = Argv(hook), ExecCandidates = [hook.Path], Env = hook.Env ?? [], Terminal = false, ConsoleSize = null,
                OomScoreAdj = null, Warnings = [],
            };
            var writer = new ProgramWriter(timing: false, describe: false, 32);
            JoinUserAndMount(state, writer);
            ContainerBuilder.BuildProcess(hookProcess, groupsAllowed: true, seccomp, writer);
            ContainerBuilder.Exec(hookProcess, seccomp, writer);
            RunInContainer("startContainer", hook, state, NamespaceKinds(spec), writer.Finish(), stateJson);
        }
    }

    /// <summary>Starts one hook, waits for it within its timeout (2 minutes unless it says), and fails with its
    /// exit status and output unless it exits 0.</summary>
    private void RunInContainer(string stage, OciHook hook, ContainerState state, IReadOnlySet<string> kinds, Stage2Program program, string stateJson)
    {
        if (!hook.Path.StartsWith('/')) throw new OciException($"{stage} hook {hook.Path}: the path must be absolute");
        int input = MemoryFile.Create("hook-state", Encoding.UTF8.GetBytes(stateJson));
        int inputFromStart = -1, output = -1;
        try
        {
            inputFromStart = MemoryFile.Reopen(input);
            output = MemoryFile.Create("hook-output");
            Spawner.Child child;
            try
            {
                child = SpawnInContainer(state, kinds, program, hook.Path, new StdioFds(inputFromStart, output, output), dieWithParent: true, out _);
            }
            catch (OciException e)
            {
                throw new OciException($"{stage} hook {hook.Path}: {e.Message}");
            }
            var timeout = hook.Timeout is > 0 ? TimeSpan.FromSeconds(hook.Timeout.Value) : HookRunner.DefaultTimeout;
            if (!ChildProcess.WaitForExit(child.PidFd, child.Pid, timeout))
            {
                KillAndReap(child);
                throw new OciException($"{stage} hook {hook.Path}: did not finish within {timeout.TotalSeconds:0} s");
            }
            var exit = ChildProcess.Reap(child.Pid);
            child.Release();
            ChildProcess.Close(child.PidFd);
            if (exit.ExitCode == 0) return;
            string text = MemoryFile.Read(output, HookOutputLimit).Trim().ReplaceLineEndings(" ");
            string how = exit.ExitCode is { } code ? $"exited with {code}" : $"was killed by {Signals.Name(exit.Signal ?? 0)}";
            throw new OciException($"{stage} hook {hook.Path} {how}{(text.Length > 0 ? ": " + text : "")}");
        }
        finally
        {
            ChildProcess.Close(input);
            if (inputFromStart >= 0) ChildProcess.Close(inputFromStart);
            if (output >= 0) ChildProcess.Close(output);
        }
    }

    /// <summary>A hook's argv: its args (args[0] is argv[0]), or its path alone.</summary>
    private static List<string> Argv(OciHook hook) => hook.Args is { Count: > 0 } a ? a : [hook.Path];
}
