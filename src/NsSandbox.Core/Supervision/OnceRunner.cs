using System.Diagnostics;
using System.Runtime.InteropServices;
using NsSandbox.Core.Channel;
using NsSandbox.Core.Network;
using NsSandbox.Core.Plan;
using NsSandbox.Core.Report;
using NsSandbox.Core.Spec;
using NsSandbox.Core.Stage2;
using NsSandbox.Core.Timing;
using NsSandbox.Linux;
using NsSandbox.Linux.Cgroups;
using NsSandbox.Linux.Net;

namespace NsSandbox.Core.Supervision;

/// <summary>Mode once (-Mo): clone the sandbox, hand it the plan, wait for it within the time limit, forward
/// signals, reap it, clean up, report. Runs on the main thread: the kernel sends the parent-death signal when
/// the thread that cloned the child exits, so that thread must live as long as the run.</summary>
public sealed class OnceRunner(SandboxSpec spec, IHostView host, TextWriter log)
{
    /// <summary>How long a signal forwarded to the sandbox may take to end it before it is killed; the target
    /// is pid 1 of its namespace and ignores signals it has no handler for.</summary>
    public static readonly TimeSpan SignalGrace = TimeSpan.FromSeconds(2);

    private int _forwardedSignal;
    private volatile bool _reaped;
    private readonly Lock _signalLock = new();

    public RunReport Run(byte[]? seccompFilter = null)
    {
        var wall = Stopwatch.StartNew();
        string runId = RunIds.New();
        var paths = RunPaths.For(spec.StateDir, runId, spec.DataDir);
        var mapping = spec.Namespaces.HasFlag(Namespaces.User)
            ? UserMapping.For(spec.Uid, spec.Gid, host.EffectiveUid, host.EffectiveGid) : null;
        using var runDir = RunDirectory.Create(paths, mapping?.Uid.Outside ?? spec.Uid, mapping?.Gid.Outside ?? spec.Gid, spec.KeepData);
        var planned = Planner.Create(spec, paths, host, seccompFilter);
        var program = SandboxBuilder.Compile(planned.Plan);
        LaunchTrace.Mark("run dir and plan");
        if (spec.Verbosity == Verbosity.Verbose) // the line's arguments are not free to make
            Verbose($"run {runId}: {planned.Plan.MountOps.Count} mount steps, namespaces {Spawner.NamespaceNames(spec.Namespaces)}");

        IRunCgroup? cgroup;
        try
        {
            cgroup = RunCgroups.Create(spec.Cgroup, "nssandbox-" + runId, runDir.RecordCgroupLeaf, Say);
        }
        catch (Exception e) when (e is CgroupUnavailableException or KernelException or IOException or UnauthorizedAccessException)
        {
            runDir.Dispose();
            var error = new SetupError("cgroup", null, (e as KernelException)?.Errno ?? 0,
                e is CgroupUnavailableException ? e.Message : "cgroup: " + e.Message);
            return BuildReport(runId, null, error, false, null, wall.Elapsed, spec.DataDir, planned.Plan.Rlimits, null, null);
        }
        using var cgroupScope = cgroup;
        if (cgroup is not null) Verbose($"cgroup v{cgroup.Version}: {cgroup.Path}");

        // Listening starts before the sandbox exists, so no record of its death can be missed.
        using var audit = seccompFilter is null ? null : SeccompAudit.TryOpen();
        var (parentEnd, childEnd) = SeqPacketSocket.CreatePair();
        using var channel = new StageChannel(parentEnd, program);
        Spawner.Child child;
        using (childEnd)
            child = Spawner.Spawn(new SpawnRequest(spec.Namespaces, childEnd.Fd, cgroup?.CloneIntoFd ?? -1), program.Bytes);
        LaunchTrace.Mark("clone");
        audit?.Watch(child.Pid);

        ChildExit? exit = null;
        SetupError? setupError = null;
        CgroupStats? stats = null;
        bool timedOut = false;
        NetworkSetup? network = null;
        SeccompViolation? violation = null;
        List<SeccompLoggedCall>? logged = null;
        var signalRegistrations = new List<IDisposable>();
        using var signals = new Disposables(signalRegistrations);
        try
        {
            // v1: into the cgroup before the go-ahead, so the target never runs outside it.
            cgroup?.Attach(child.Pid);
            if (planned.Users is { } u)
                UserNamespace.WriteMaps(child.Pid, u.Uid.ToString(), u.Gid.ToString(), u.AllowSetgroups);
            LaunchTrace.Mark("id maps");
            network = NetworkSetup.Start(spec.Net, child.Pid, paths.RunDir!, Verbose);
            if (network is not null) LaunchTrace.Mark("network");
            channel.SendGo();
            LaunchTrace.Mark("go sent");
            // Not needed before the target runs, and it costs a thread, so it overlaps stage 2's start.
            ForwardSignals(child.PidFd, signalRegistrations);
            // The audit reader is a thread too (its start spins ~0.5 ms): a short run's records wait in the
            // socket, and only a run still going after the first check (250 ms), or one under --seccomp_log,
            // which may log many calls, gets a thread to drain it.
            if (spec.Seccomp.Log) audit?.StartReading();

            // Stage 2 either reports a setup error or execs the target, which closes its end of the channel
            // (with --trace_timing it sends its timestamps first).
            while (true)
            {
                if (!channel.Socket.WaitReadable(Remaining(wall))) { timedOut = true; break; }
                var message = channel.Receive();
                if (message?.Timing is { } stamps) { LaunchTrace.Merge(stamps); continue; }
                setupError = message?.Error;
                break;
            }
            LaunchTrace.Mark("channel closed (exec)");

            if (!timedOut && !ChildProcess.WaitForExit(child.PidFd, child.Pid, Remaining(wall), audit is null ? null : audit.StartReading))
                timedOut = true;
            LaunchTrace.Mark("target exited");
        }
        catch (KernelException e)
        {
            setupError = new SetupError(e.Call, e.Subject, e.Errno, e.Message);
        }
        catch (NetworkException e)
        {
            setupError = new SetupError("network", null, 0, e.Message);
        }
        finally
        {
            // Killing pid 1 of the sandbox's pid namespace ends every process in it.
            if (timedOut || setupError is not null) ChildProcess.Signal(child.PidFd, ChildProcess.SigKill);
            else if (seccompFilter is not null) violation = SeccompViolationOf(child.Pid, audit);
            exit = ChildProcess.Reap(child.Pid);
            child.Release();
            LaunchTrace.Mark("reaped");
            if (spec.Seccomp.Log && audit is not null)
            {
                audit.Settle(LogSettle);
                logged = SeccompLoggedCall.From(audit.Logged());
            }
            lock (_signalLock)
            {
                _reaped = true;
                ChildProcess.Close(child.PidFd);
            }
            network?.Dispose(); // the helpers end with the sandbox
            stats = cgroup?.ReadStats();
            cgroup?.Dispose();
        }
        wall.Stop();
        runDir.Dispose();
        LaunchTrace.Mark("cleaned up");
        return BuildReport(runId, exit, setupError, timedOut, violation, wall.Elapsed, runDir.DataKept ? paths.DataDir : spec.DataDir,
            planned.Plan.Rlimits, cgroup, stats) with { SeccompLogged = logged };
    }

    /// <summary>With --seccomp_log, how long the audit socket must stay quiet before the run's records are counted.</summary>
    private static readonly TimeSpan LogSettle = TimeSpan.FromMilliseconds(100);

    /// <summary>How long the kernel's audit thread may take to send the record of a seccomp kill.</summary>
    private static readonly TimeSpan AuditDelay = TimeSpan.FromSeconds(2);

    /// <summary>When the command (not yet reaped, so its pid is still its own) died of SIGSYS, the audit record
    /// naming the call. Without an audit record there is no proof the filter sent the SIGSYS, unless the audit
    /// log could not be read at all.</summary>
    private static SeccompViolation? SeccompViolationOf(int pid, SeccompAudit? audit)
    {
        if (ChildProcess.PeekKillSignal(pid) != Signals.SigSys) return null;
        if (audit is null) return SeccompViolation.From(null);
        return audit.WaitForKill(AuditDelay) is { } record ? SeccompViolation.From(record) : null;
    }

    private TimeSpan? Remaining(Stopwatch wall) =>
        spec.TimeLimit is { } limit ? (limit - wall.Elapsed is var left && left > TimeSpan.Zero ? left : TimeSpan.Zero) : null;

    /// <summary>SIGINT, SIGTERM, SIGHUP and SIGQUIT to the launcher go to the sandbox; if it has not ended
    /// after <see cref="SignalGrace"/>, it is killed.</summary>
    private void ForwardSignals(int pidFd, List<IDisposable> registrations)
    {
        foreach (var (signal, number) in new[] { (PosixSignal.SIGINT, 2), (PosixSignal.SIGTERM, 15), (PosixSignal.SIGHUP, 1), (PosixSignal.SIGQUIT, 3) })
        {
            registrations.Add(PosixSignalRegistration.Create(signal, ctx =>
            {
                ctx.Cancel = true;
                _forwardedSignal = number;
                SignalUnlessReaped(pidFd, number);
                _ = Task.Delay(SignalGrace).ContinueWith(_ => SignalUnlessReaped(pidFd, ChildProcess.SigKill));
            }));
        }
    }

    // The pidfd is closed once the child is reaped; its number may be reused by then.
    private void SignalUnlessReaped(int pidFd, int signal)
    {
        lock (_signalLock)
            if (!_reaped) ChildProcess.Signal(pidFd, signal);
    }

    private RunReport BuildReport(string runId, ChildExit? exit, SetupError? error, bool timedOut, SeccompViolation? violation,
        TimeSpan wall, string? dataDir, IReadOnlyList<RlimitOp> rlimits, IRunCgroup? cgroup, CgroupStats? stats)
    {
        string reason;
        int code;
        if (error is not null)
        {
            reason = EndReason.SetupError;
            code = error.Step == "execve" && error.Errno == 2 ? ExitCodes.NotFound : ExitCodes.Setup;
        }
        else if (timedOut)
        {
            reason = EndReason.Timeout;
            code = ExitCodes.Timeout;
        }
        else if (stats?.OomKilled == true && (exit?.Signal == ChildProcess.SigKill || exit?.ExitCode == 128 + ChildProcess.SigKill))
        {
            // The command, or the process whose death it passed on (a shell's 137), was the OOM killer's.
            reason = EndReason.Oom;
            code = exit.Signal is { } killed ? 128 + killed : exit.ExitCode!.Value;
        }
        else if (exit?.Signal is { } sig)
        {
            reason = violation is not null && sig == Signals.SigSys ? EndReason.Seccomp : EndReason.Signaled;
            code = 128 + sig;
        }
        else
        {
            reason = EndReason.Exited;
            code = exit?.ExitCode ?? ExitCodes.Setup;
        }

        return new RunReport
        {
            RunId = runId,
            Command = spec.Command,
            Reason = reason,
            ExitCode = error is null ? exit?.ExitCode : null,
            Signal = error is null ? exit?.Signal : null,
            SignalName = error is null && exit?.Signal is { } s ? Signals.Name(s) : null,
            LauncherExitCode = code,
            WallSeconds = Math.Round(wall.TotalSeconds, 6),
            UserSeconds = Math.Round(exit?.User.TotalSeconds ?? 0, 6),
            SysSeconds = Math.Round(exit?.System.TotalSeconds ?? 0, 6),
            PeakRssBytes = exit?.MaxRssBytes ?? 0,
            ForwardedSignal = _forwardedSignal != 0 ? Signals.Name(_forwardedSignal) : null,
            Error = error,
            Seccomp = reason == EndReason.Seccomp ? violation : null,
            OomKilled = stats?.OomKilled,
            MemoryPeakBytes = stats?.MemoryPeakBytes,
            PidsLimitHit = stats?.PidsLimitHit,
            CpuUsageUsec = stats?.CpuUsageUsec,
            Cgroup = cgroup is null ? null : new ReportCgroup(cgroup.Version, cgroup.Path),
            Limits = ReportLimitsOf(spec, rlimits),
            Sandbox = new ReportSandbox
            {
                Uid = spec.Uid,
                Gid = spec.Gid,
                Hostname = spec.Namespaces.HasFlag(Namespaces.Uts) ? spec.Hostname : null,
                Namespaces = Spawner.NamespaceNames(spec.Namespaces).Split(','),
                Chroot = spec.Chroot,
                ReadOnlyRoot = !spec.ReadWrite,
                DataDir = dataDir,
                Network = spec.Net.ModeName,
                SeccompPolicy = spec.Seccomp.Label,
                SeccompLog = spec.Seccomp.Log ? true : null,
            },
        };
    }

    public static ReportLimits ReportLimitsOf(SandboxSpec spec, IReadOnlyList<RlimitOp> rlimits) => new()
    {
        TimeLimitSeconds = spec.TimeLimit?.TotalSeconds,
        TmpSizeBytes = spec.TmpSizeBytes,
        Rlimits = rlimits.ToDictionary(r => FlagNames.Of(r.Resource),
            r => r.Hard == ulong.MaxValue ? null : (ulong?)r.Hard),
        CgroupMemMaxBytes = spec.Cgroup.Limits.MemoryMax,
        CgroupMemSwapMaxBytes = spec.Cgroup.Limits.MemoryMax is null ? null : spec.Cgroup.Limits.MemorySwapMax ?? 0,
        CgroupPidsMax = spec.Cgroup.Limits.PidsMax,
        CgroupCpuMsPerSec = spec.Cgroup.Limits.CpuMsPerSec,
    };

    /// <summary>What the launcher changed outside the run (e.g. enabling cgroup controllers): said unless -q.</summary>
    private void Say(string message)
    {
        if (spec.Verbosity != Verbosity.Quiet) log.WriteLine("nssandbox: " + message);
    }

    private void Verbose(string message)
    {
        if (spec.Verbosity == Verbosity.Verbose) log.WriteLine("nssandbox: " + message);
    }

    private sealed class Disposables(List<IDisposable> items) : IDisposable
    {
        public void Dispose() => items.ForEach(i => i.Dispose());
    }
}
