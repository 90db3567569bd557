using NsSandbox.Core.Channel;
using NsSandbox.Core.Network;
using NsSandbox.Core.Plan;
using NsSandbox.Core.Report;
using NsSandbox.Core.Stage2;
using NsSandbox.Core.Timing;
using NsSandbox.Linux;
using NsSandbox.Linux.Cgroups;
using NsSandbox.Linux.Stage2Code;

namespace NsSandbox.Core.Supervision;

/// <summary>What a finished sandbox left to report: how it ended and what its cgroup, the audit log and (egress)
/// its resolver and filter saw.</summary>
public sealed record SandboxOutcome(ChildExit? Exit, SeccompViolation? Violation, List<SeccompLoggedCall>? Logged,
    CgroupStats? Stats, ReportCgroup? Cgroup, string? DataDir, NetworkLog? Network = null);

/// <summary>One sandbox from clone to clean-up, for any supervisor (once, listen, rerun; the OCI lifecycle
/// shares it): <see cref="Start"/> creates what the run owns and clones stage 2, <see cref="Configure"/>
/// does the parent's part (cgroup, id maps, network), <see cref="Go"/> lets stage 2 build the sandbox and exec,
/// <see cref="Finish"/> kills if asked, reaps and cleans up. The supervisor waits on <see cref="ChannelFd"/> and
/// <see cref="ExitFd"/> however it likes (an <see cref="EventSet"/> over many launches). Disposing an unfinished
/// launch kills and reaps its child and removes everything: an exception at any step never leaves stage 2
/// waiting for a "go" that will not come, nor a supervisor blocked on it.</summary>
public sealed class SandboxLaunch : IDisposable
{
    /// <summary>With --seccomp_log, how long the audit socket must stay quiet before the run's records are counted.</summary>
    private static readonly TimeSpan LogSettle = TimeSpan.FromMilliseconds(100);

    /// <summary>How long the kernel's audit thread may take to send the record of a seccomp kill.</summary>
    public static readonly TimeSpan AuditDelay = TimeSpan.FromSeconds(2);

    private readonly RunPlan _plan;
    private readonly ISpawner _spawner;
    private readonly LaunchLog _log;
    private readonly Stage2Program _program;
    private readonly Lock _gate = new();
    private RunDirectory? _runDir;
    private IRunCgroup? _cgroup;
    private ISeccompRecords? _audit;
    private readonly Func<ISeccompRecords?> _openAudit;
    private StageChannel? _channel;
    private ISandboxProcess? _child;
    private NetworkSetup? _network;
    private int _pendingSignal;
    private bool _reaped;
    private SandboxOutcome? _outcome;

    private readonly StdioFds _stdio;

    /// <param name="stdio">the sandbox's descriptors 0-2 (a connection's socket); by default the launcher's.</param>
    /// <param name="audit">the sandbox's share of the audit log, when a supervisor of many sandboxes shares one
    /// listener (<see cref="SeccompAuditHub"/>); by default a listener of its own.</param>
    public SandboxLaunch(RunPlan plan, ISpawner spawner, LaunchLog log, StdioFds? stdio = null, Func<ISeccompRecords?>? audit = null)
    {
        _plan = plan;
        _spawner = spawner;
        _log = log;
        _stdio = stdio ?? StdioFds.Inherit;
        _openAudit = audit ?? SeccompAudit.TryOpen;
        _program = SandboxBuilder.Compile(plan.Stage2);
    }

    public RunPlan Plan => _plan;
    public int Pid => _child?.Pid ?? 0;
    public int ChannelFd => _channel?.Socket.Fd ?? -1;
    public int ExitFd => _child?.ExitFd ?? -1;
    public bool Spawned => _child is not null;

    /// <summary>Creates the run directory, the cgroup and the channel, then clones stage 2, which waits for "go".
    /// Throws on failure, having created nothing that <see cref="Dispose"/> would not remove.</summary>
    public void Start()
    {
        RunRefusals.Check(_plan);
        var paths = _plan.Paths;
        if (paths.RunDir is not null) _runDir = RunDirectory.Create(paths, _plan.DataUid, _plan.DataGid, _plan.KeepData);
        foreach (var file in _plan.Files) ContentFiles.Write(file);
        LaunchTrace.Mark("run dir and plan");
        _log.Verbose($"run {_plan.RunId}: {_plan.Stage2.MountOps.Count} mount steps, namespaces {FlagNames.Of(_plan.Stage2.Namespaces)}");
        try
        {
            _cgroup = RunCgroups.Create(_plan.Cgroup, _plan.CgroupName, leaf => _runDir?.RecordCgroupLeaf(leaf), _log.Say);
        }
        catch (Exception e) when (e is CgroupUnavailableException or KernelException or IOException or UnauthorizedAccessException)
        {
            throw new SetupException(new SetupError("cgroup", null, (e as KernelException)?.Errno ?? 0,
                e is CgroupUnavailableException ? e.Message : "cgroup: " + e.Message));
        }
        if (_cgroup is not null) _log.Verbose($"cgroup v{_cgroup.Version}: {_cgroup.Path}");
        // Listening starts before the sandbox exists, so no record of its death can be missed.
        if (_plan.Seccomp.Filter is not null) _audit = _openAudit();
        var (parentEnd, childEnd) = SeqPacketSocket.CreatePair();
        _channel = new StageChannel(parentEnd, _program);
        using (childEnd)
        {
            var child = _spawner.Spawn(_plan.Stage2, childEnd, _cgroup, _program.Bytes, _stdio);
            lock (_gate) _child = child;
        }
        LaunchTrace.Mark("clone");
        _audit?.Watch(_child.Pid);
        int pending = Interlocked.Exchange(ref _pendingSignal, 0);
        if (pending != 0) Signal(pending);
    }

    /// <summary>The parent's part while stage 2 waits: the id maps, the network. The child is in its cgroup
    /// already: born there (v2) or joined by itself as its first step (v1).</summary>
    public void Configure()
    {
        var child = _child ?? throw new InvalidOperationException("the sandbox has not been spawned");
        if (_plan.Users is { } users) child.WriteIdMaps(users);
        LaunchTrace.Mark("id maps");
        _network = NetworkSetup.Start(_plan.Net, child.Pid, _plan.Paths.RunDir!, _log.Verbose);
        if (_network is not null) LaunchTrace.Mark("network");
    }

    public void Go()
    {
        // Stamped as the send starts: stage 2 may receive it before the send returns.
        LaunchTrace.Mark("go sent");
        _channel!.SendGo();
    }

    /// <summary>Stage 2's next message: a setup error, its --trace_timing stamps, or null once it closed the
    /// channel (the target's execve, or an exit).</summary>
    public StageMessage? ReadChannel() => _channel!.Receive();

    /// <summary>Starts draining the seccomp audit socket on a thread (a run that lasts, or --seccomp_log).</summary>
    public void StartAuditReader() => _audit?.StartReading();

    /// <summary>Called while the sandbox runs (every few hundred ms): a ptrace stop the target put its parent in
    /// is detached, and the audit records start being drained.</summary>
    public void Tick()
    {
        _child?.DetachIfTraced();
        _audit?.StartReading();
    }

    /// <summary>Signals the sandbox's pid 1 (which ends the whole pid namespace on SIGKILL). A signal that
    /// comes before the clone is delivered right after it; one after the reap is dropped.</summary>
    public void Signal(int signal)
    {
        lock (_gate)
        {
            if (_reaped) return;
            if (_child is null)
            {
                _pendingSignal = signal;
                return;
            }
            _child.Signal(signal);
        }
    }

    /// <summary>Whether the exited (not yet reaped) sandbox died of SIGSYS while the audit record that would name
    /// the call has not come yet: a supervisor serving many sandboxes on one thread waits for it (up to
    /// <see cref="AuditDelay"/>) without blocking, then calls <see cref="Finish"/> with no further wait.</summary>
    public bool SeccompRecordPending()
    {
        if (_child is not { } child || _audit is null || _plan.Seccomp.Filter is null) return false;
        if (child.PeekKillSignal() != Signals.SigSys) return false;
        return _audit.WaitForKill(TimeSpan.Zero) is null;
    }

    /// <summary>Ends the launch: kills the sandbox if <paramref name="kill"/>, names a seccomp kill, reaps, and
    /// removes the network helpers, cgroup and run directory. Returns what happened; idempotent.</summary>
    /// <param name="auditWait">how long a SIGSYS death may wait for its audit record (by default
    /// <see cref="AuditDelay"/>; zero once a supervisor has waited with <see cref="SeccompRecordPending"/>).</param>
    public SandboxOutcome Finish(bool kill, TimeSpan? auditWait = null)
    {
        if (_outcome is not null) return _outcome;
        ChildExit? exit = null;
        SeccompViolation? violation = null;
        List<SeccompLoggedCall>? logged = null;
        CgroupStats? stats = null;
        NetworkLog? network = null;
        try
        {
            if (_child is { } child)
            {
                try
                {
                    if (kill) child.Signal(ChildProcess.SigKill);
                    else if (_plan.Seccomp.Filter is not null) violation = ViolationOf(child, auditWait ?? AuditDelay);
                }
                finally
                {
                    exit = child.Reap();
                    lock (_gate)
                    {
                        _reaped = true;
                        child.Release();
                    }
                }
                LaunchTrace.Mark("reaped");
                if (_plan.Seccomp.Log && _audit is not null)
                {
                    _audit.Settle(LogSettle);
                    logged = SeccompNames.Logged(_audit.Logged());
                }
            }
        }
        finally
        {
            try
            {
                if (_child is not null && (network = _network?.Collect()) is not null) LaunchTrace.Mark("network log");
            }
            catch (Exception e) when (e is KernelException or IOException)
            {
                _log.Verbose($"network log: {e.Message}");
            }
            if (_network is not null)
            {
                _network.Dispose(); // the helpers end with the sandbox
                _network = null;
                LaunchTrace.Mark("network helpers ended");
            }
            try
            {
                stats = _child is null ? null : _cgroup?.ReadStats();
            }
            finally
            {
                _cgroup?.Dispose();
                _audit?.Dispose();
                _audit = null;
                _channel?.Dispose();
                _channel = null;
                _runDir?.Dispose();
            }
        }
        LaunchTrace.Mark("cleaned up");
        string? dataDir = _runDir?.DataKept == true ? _plan.Paths.DataDir : _plan.ReportSandbox.DataDir;
        return _outcome = new SandboxOutcome(exit, violation, logged, stats,
            _cgroup is null ? null : new ReportCgroup(_cgroup.Version, _cgroup.Path,
                _cgroup.Version == 2 && Identity.EffectiveUid != 0 ? true : null), dataDir, network);
    }

    /// <summary>When the command (not yet reaped, so its pid is still its own) died of SIGSYS, the audit record
    /// naming the call. Without an audit record there is no proof the filter sent the SIGSYS, unless the audit
    /// log could not be read at all.</summary>
    private SeccompViolation? ViolationOf(ISandboxProcess child, TimeSpan wait)
    {
        if (child.PeekKillSignal() != Signals.SigSys) return null;
        if (_audit is null) return SeccompNames.Violation(null);
        return _audit.WaitForKill(wait) is { } record ? SeccompNames.Violation(record) : null;
    }

    /// <summary>An unfinished launch (an exception at any step) kills and reaps its child and cleans up.</summary>
    public void Dispose()
    {
        if (_outcome is null) Finish(kill: true);
    }
}
