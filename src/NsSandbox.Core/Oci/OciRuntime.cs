using System.Globalization;
using System.Text.Json;
using NsSandbox.Contract.Oci;
using NsSandbox.Core.Channel;
using NsSandbox.Core.Plan;
using NsSandbox.Linux;
using NsSandbox.Linux.Stage2Code;

namespace NsSandbox.Core.Oci;

/// <summary>The container lifecycle as runc's command line drives it. `create` clones the container's first
/// process, which builds the container and waits in ROOT/ID/exec.fifo; then `create` exits and the process is
/// the caller's (containerd's shim is a subreaper: it reaps it and reads its exit status, as with runc). `start`
/// writes the fifo; `kill` signals the process (or all of the cgroup); `delete` removes cgroup and state.</summary>
public sealed partial class OciRuntime(OciRuntimeOptions options, Action<string> say, Action<string>? debug = null)
{
    private const string StateFile = "nssandbox.json", Fifo = "exec.fifo";
    private static readonly TimeSpan SetupTimeout = TimeSpan.FromSeconds(60);

    private string Dir(string id) => Path.Combine(options.Root, id);

    public OciRuntimeOptions Options => options;

    public void Create(string id, string bundle, string? pidFile, string? consoleSocket)
    {
        CheckId(id);
        bundle = Path.GetFullPath(bundle);
        var spec = OciConfigReader.Read(bundle);
        var plan = ContainerPlanner.Create(id, bundle, spec, new RealHostView(), options);
        foreach (string warning in plan.Process.Warnings) say("warning: " + warning);
        debug?.Invoke($"create {id}: rootfs {plan.RootFs}, new namespaces {FlagNames.Of(plan.NewNamespaces)}, " +
            $"{plan.Joins.Count} joined, {plan.Mounts.Count} mounts, {plan.Devices.Count} devices, seccomp {plan.Seccomp.Label} " +
            $"({plan.Seccomp.Instructions} instructions), uid {plan.Process.Uid} gid {plan.Process.Gid}");
        if (plan.Process.Terminal && consoleSocket is null) throw new OciException("process.terminal: a terminal needs --console-socket");
        if (!plan.Process.Terminal && consoleSocket is not null) throw new OciException("--console-socket: given for a config without process.terminal");
        Directory.CreateDirectory(options.Root);
        string dir = Dir(id);
        try
        {
            Directory.CreateDirectory(dir);
            if (Directory.EnumerateFileSystemEntries(dir).Any()) throw new OciException($"container with id exists: {id}");
        }
        catch (IOException e)
        {
            throw new OciException($"{dir}: {e.Message}");
        }
        ContainerCgroup? cgroup = null;
        Spawner.Child? child = null;
        int terminal = -1;
        bool created = false;
        try
        {
            string fifo = Path.Combine(dir, Fifo);
            ContainerFifo.Create(fifo);
            cgroup = ContainerCgroup.Create(ContainerCgroup.PathFor(plan.CgroupsPath, id), plan.Resources, say);
            var sources = CgroupSources(cgroup);
            var program = ContainerBuilder.Compile(plan, fifo, sources);
            var (parentEnd, childEnd) = SeqPacketSocket.CreatePair();
            using var channel = new StageChannel(parentEnd, program);
            using (childEnd)
                child = SpawnInto(cgroup, [.. plan.Joins.Select(j => (j.Kind, j.Path))], plan.NewNamespaces, childEnd, program, StdioFds.Inherit);
            if (cgroup.Version == 1) cgroup.Attach(child.Pid);
            debug?.Invoke($"create {id}: pid {child.Pid}, cgroup v{cgroup.Version} {string.Join(" ", cgroup.Dirs.Values)}");
            int rootTree = -1;
            if (plan.Users is { } users)
            {
                UserNamespace.WriteMaps(child.Pid, users.UidMapText, users.GidMapText, users.AllowSetgroups);
                WriteSysctls(child.Pid, plan.Sysctls);
                if (plan.IdMappedRoot)
                    rootTree = IdMappedRoot.Make(plan.RootFs, $"/proc/{child.Pid}/ns/user",
                        UserMapping.OutsideOf(users.Uids, 0) ?? 0, UserMapping.OutsideOf(users.Gids, 0) ?? 0);
            }
            if (plan.Process.OomScoreAdj is { } adj)
                File.WriteAllText($"/proc/{child.Pid}/oom_score_adj", adj.ToString(CultureInfo.InvariantCulture));
            var state = new ContainerState
            {
                Id = id, Bundle = bundle, RootFs = plan.RootFs, Pid = child.Pid,
                PidStartTime = ProcessStartTime.Of(child.Pid) ?? 0, Created = DateTimeOffset.UtcNow,
                CgroupVersion = cgroup.Version, CgroupDirs = new(cgroup.Dirs), Annotations = new(plan.Annotations),
            };
            channel.SendGo();
            if (rootTree >= 0)
            {
                try
                {
                    channel.Socket.Send(BitConverter.GetBytes(ProgramFormat.MsgTree), rootTree);
                }
                finally
                {
                    ChildProcess.Close(rootTree);
                }
            }
            terminal = AwaitReady(channel, plan, state);
            Save(state);
            if (terminal >= 0)
            {
                if (plan.Process.ConsoleSize is { } size) Pty.SetSize(terminal, size.Rows, size.Columns);
                Pty.SendMaster(terminal, consoleSocket!);
            }
            if (pidFile is not null) OutputFile.Write(pidFile, child.Pid.ToString(CultureInfo.InvariantCulture));
            created = true;
        }
        catch (KernelException e)
        {
            throw new OciException(e.Message);
        }
        finally
        {
            if (!created)
            {
                if (child is not null)
                {
                    ChildProcess.Signal(child.PidFd, ChildProcess.SigKill);
                    ChildProcess.Reap(child.Pid);
                    child.Release();
                }
                cgroup?.Discard();
                RemoveDirectory(dir);
            }
            // The created container keeps running on what the clone lent it until its exec; this process
            // exits now, and its memory stays the child's.
            if (child is not null) ChildProcess.Close(child.PidFd);
            if (terminal >= 0) ChildProcess.Close(terminal);
        }
    }

    /// <summary>The sysctls of a container with a user namespace, written by the runtime on a thread that entered
    /// the container's namespaces: its root may not write them in a namespace the host's user namespace owns
    /// (Docker's network namespace), and ids in a value (net.ipv4.ping_group_range "0 2147483647") mean the host's,
    /// as they do for a container without a user namespace.</summary>
    private static void WriteSysctls(int pid, IReadOnlyList<KeyValuePair<string, string>> sysctls)
    {
        foreach (var (path, value) in sysctls)
        {
            var (kind, name) = path.StartsWith("/proc/sys/net/", StringComparison.Ordinal) ? (Namespaces.Net, "net")
                : path is "/proc/sys/kernel/hostname" or "/proc/sys/kernel/domainname" ? (Namespaces.Uts, "uts") : (Namespaces.Ipc, "ipc");
            NamespaceEntry.Within([(kind, $"/proc/{pid}/ns/{name}")], () =>
            {
                File.WriteAllText(path, value);
                return 0;
            });
        }
    }

    /// <summary>Clones stage 2 inside the namespaces to join (the spawning thread enters them), on cgroup v2
    /// into the container's cgroup (on v1 the caller attaches it by pid before "go").</summary>
    private static Spawner.Child SpawnInto(ContainerCgroup cgroup, List<(Namespaces, string)> joins, Namespaces create,
        SeqPacketSocket childEnd, Stage2Program program, StdioFds stdio, bool dieWithParent = false)
    {
        int cgroupFd = cgroup.V2Dir is { } v2 && Directory.Exists(v2) ? Linux.Cgroups.CgroupFs.OpenDirectory(v2) : -1;
        Spawner.Child child;
        try
        {
            child = NamespaceEntry.Within(joins, () =>
                Spawner.Spawn(new SpawnRequest(create, childEnd.Fd, cgroupFd, dieWithParent, stdio.In, stdio.Out, stdio.Err), program.Bytes));
        }
        finally
        {
            if (cgroupFd >= 0) Linux.Cgroups.CgroupFs.CloseDirectory(cgroupFd);
        }
        return child;
    }

    // Stage 2's messages until it waits in the fifo: a pause for the prestart and createRuntime hooks (the
    // namespaces exist, pivot_root has not happened), then "ready"; an error or its exit fails the create.
    private int AwaitReady(StageChannel channel, ContainerPlan plan, ContainerState state)
    {
        int terminal = -1;
        while (true)
        {
            if (!channel.Socket.WaitReadable(SetupTimeout)) throw new OciException($"the container did not finish its set-up within {SetupTimeout.TotalSeconds:0} s");
            var message = channel.Receive(descriptors: true);
            if (message is null || message.Error is not null)
            {
                if (terminal >= 0) ChildProcess.Close(terminal);
                throw new OciException(message?.Error is { } error ? Describe(error, plan.Process.Argv[0]) : "the container's process exited during its set-up");
            }
            if (message.Point == StagePoint.Terminal) terminal = message.Descriptor;
            if (message.Point == StagePoint.Ready) return terminal;
            if (message.Point == StagePoint.Paused)
            {
                string json = StateJson(state, "creating");
                HookRunner.Run("prestart", plan.Hooks.Prestart, json);
                HookRunner.Run("createRuntime", plan.Hooks.CreateRuntime, json);
                RunCreateContainerHooks(plan, state, json);
                channel.SendGo();
            }
        }
    }

    private static string Describe(SetupError error, string command) => error.Step == "exec" && error.Errno is Errno.NoEntry
        ? $"exec: \"{command}\": executable file not found in $PATH"
        : error.Step == "exec" && error.Errno is Errno.AccessDenied
            ? $"exec: \"{command}\": permission denied" // Docker maps this wording to 126
            : error.Message;

    public void Start(string id)
    {
        var state = Load(id);
        string status = Status(state);
        if (status != "created") throw new OciException($"cannot start a container that is {status}: {id}");
        var spec = TryReadSpec(state.Bundle);
        if (spec?.Hooks?.StartContainer is { Count: > 0 } hooks)
        {
            try
            {
                RunStartContainerHooks(spec, state, hooks);
            }
            catch
            {
                Processes.Signal(state.Pid, ChildProcess.SigKill); // the runtime-spec: a failed startContainer hook stops the container
                throw;
            }
        }
        if (!ContainerFifo.Start(Path.Combine(Dir(id), Fifo))) throw new OciException($"cannot start container {id}: it is not waiting");
        File.Delete(Path.Combine(Dir(id), Fifo));
        state = state with { Started = true };
        Save(state);
        try
        {
            HookRunner.Run("poststart", spec?.Hooks?.Poststart, StateJson(state, "running"));
        }
        catch (OciException e)
        {
            say("warning: " + e.Message); // the runtime-spec: a poststart failure is logged, the container runs on
        }
    }

    public OciState State(string id)
    {
        var state = Load(id);
        return ToOci(state, Status(state));
    }

    public IReadOnlyList<OciState> List()
    {
        if (!Directory.Exists(options.Root)) return [];
        var result = new List<OciState>();
        foreach (string dir in Directory.EnumerateDirectories(options.Root).Order(StringComparer.Ordinal))
        {
            if (!File.Exists(Path.Combine(dir, StateFile))) continue; // another runtime's container (runc's state.json)
            var state = Load(Path.GetFileName(dir));
            result.Add(ToOci(state, Status(state)));
        }
        return result;
    }

    public void Kill(string id, int signal, bool all)
    {
        var state = Load(id);
        string status = Status(state);
        if (status == "stopped") throw new OciException($"container not running: {id}");
        var cgroup = Cgroup(state);
        if (all) foreach (int pid in cgroup.Pids()) Processes.Signal(pid, signal);
        else Processes.Signal(state.Pid, signal);
        // A frozen process of cgroup v1 dies only once thawed; other signals wait for resume (as with runc).
        if (status == "paused" && signal == ChildProcess.SigKill) cgroup.Thaw();
    }

    public void Delete(string id, bool force)
    {
        string dir = Dir(id);
        if (!File.Exists(Path.Combine(dir, StateFile)))
        {
            if (force) return; // runc: nothing to delete is no error with --force
            throw new OciException($"container does not exist: {id}");
        }
        var state = Load(id);
        string status = Status(state);
        if (status is "running" or "paused" && !force) throw new OciException($"cannot delete container {id} that is not stopped: {status}");
        if (status is not "stopped")
        {
            Processes.Signal(state.Pid, ChildProcess.SigKill);
            if (status == "paused") Cgroup(state).Thaw();
            Processes.WaitGone(state.Pid, state.PidStartTime, TimeSpan.FromSeconds(10));
        }
        Cgroup(state).Discard();
        var spec = TryReadSpec(state.Bundle);
        RemoveDirectory(dir);
        try
        {
            HookRunner.Run("poststop", spec?.Hooks?.Poststop, StateJson(state, "stopped"));
        }
        catch (OciException e)
        {
            say("warning: " + e.Message);
        }
    }

    /// <summary>config.json's process of a container: what `exec` without --process starts from.</summary>
    public string RootFsOf(string id) => Load(id).RootFs;

    public OciProcess ConfigProcess(string id) =>
        OciConfigReader.Read(Load(id).Bundle).Process ?? throw new OciException($"the config of {id} has no process");

    /// <summary>The processes in the container's cgroup (runc ps).</summary>
    public IReadOnlyList<int> Pids(string id) => Cgroup(Load(id)).Pids();

    private static OciSpec? TryReadSpec(string bundle)
    {
        try
        {
            return OciConfigReader.Read(bundle);
        }
        catch (SpecException)
        {
            return null; // the bundle may be gone by delete
        }
    }

    private static ContainerCgroup Cgroup(ContainerState state) => ContainerCgroup.Open(state.CgroupVersion, state.CgroupDirs);

    private static IReadOnlyList<CgroupMountSource> CgroupSources(ContainerCgroup cgroup) =>
        cgroup.Version == 2 ? [new CgroupMountSource("", cgroup.Dirs[""])]
            : [.. cgroup.Dirs.Select(d => new CgroupMountSource(d.Key, d.Value))];

    /// <summary>created: the process waits in the fifo; running: it runs; paused: its cgroup is frozen (runc's
    /// word, whether it was created or running when paused); stopped: it is gone (or its pid is another
    /// process's now).</summary>
    private static string Status(ContainerState state)
    {
        var start = ProcessStartTime.Of(state.Pid);
        if (start is null || start != state.PidStartTime || Processes.IsZombie(state.Pid)) return "stopped";
        if (Cgroup(state).IsPaused) return "paused";
        return state.Started ? "running" : "created";
    }

    private static OciState ToOci(ContainerState s, string status) => new()
    {
        OciVersion = "1.0.2", Id = s.Id, Pid = status == "stopped" ? 0 : s.Pid, Status = status, Bundle = s.Bundle,
        RootFs = s.RootFs, Created = s.Created, Owner = "", Annotations = s.Annotations,
    };

    private static string StateJson(ContainerState s, string status) =>
        JsonSerializer.Serialize(ToOci(s, status) with { Pid = s.Pid }, OciStateLineJsonContext.Default.OciState);

    public static string ToJson(OciState s) => JsonSerializer.Serialize(s, OciStateJsonContext.Default.OciState);

    public static string ToJson(IReadOnlyList<OciState> list) =>
        JsonSerializer.Serialize(list.ToList(), OciStateJsonContext.Default.ListOciState);

    private ContainerState Load(string id)
    {
        CheckId(id);
        string file = Path.Combine(Dir(id), StateFile);
        try
        {
            return JsonSerializer.Deserialize(File.ReadAllBytes(file), OciStateJsonContext.Default.ContainerState)
                ?? throw new OciException($"container state of {id} is empty");
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new OciException($"container does not exist: {id}");
        }
        catch (JsonException e)
        {
            throw new OciException($"container state of {id} is damaged: {e.Message}");
        }
    }

    private void Save(ContainerState state) =>
        OutputFile.Write(Path.Combine(Dir(state.Id), StateFile), JsonSerializer.Serialize(state, OciStateJsonContext.Default.ContainerState));

    private static void RemoveDirectory(string dir)
    {
        try
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>runc's rule: letters, digits, and _ + - . (no path separators, not "." or "..").</summary>
    private static void CheckId(string id)
    {
        if (id.Length == 0 || id is "." or ".." || !id.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '+' or '-' or '.'))
            throw new OciException($"invalid container id: '{id}'");
    }
}
