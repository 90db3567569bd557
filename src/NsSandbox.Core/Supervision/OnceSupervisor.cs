using System.Diagnostics;
using System.Runtime.InteropServices;
using NsSandbox.Core.Report;
using NsSandbox.Core.Timing;
using NsSandbox.Linux;

namespace NsSandbox.Core.Supervision;

/// <summary>Mode once (-Mo): one <see cref="SandboxLaunch"/> waited for within the time limit, with the
/// launcher's signals forwarded to it, then reported. Runs on the main thread: the kernel sends the
/// parent-death signal when the thread that cloned the child exits, so that thread must live as long as the
/// run (and it is the tracer a target's PTRACE_TRACEME picks, which only it can detach).</summary>
public sealed class OnceSupervisor(Plan.RunPlan plan, ISpawner spawner, TextWriter log)
{
    /// <summary>How long a signal forwarded to the sandbox may take to end it before it is killed; the target
    /// is pid 1 of its namespace and ignores signals it has no handler for.</summary>
    public static readonly TimeSpan SignalGrace = TimeSpan.FromSeconds(2);

    /// <summary>How often a running sandbox is checked for a ptrace stop (a pidfd does not wake on stops).</summary>
    private const int TickMs = 250;

    private const ulong ChannelToken = 1, ExitToken = 2;

    private int _forwardedSignal;

    public RunReport Run()
    {
        var wall = Stopwatch.StartNew();
        SetupError? error = null;
        bool timedOut = false, ended = false;
        SandboxOutcome outcome;
        // Without a pid namespace the sandbox's processes can leave its pid 1's tree (a double fork, a session of
        // their own); as their subreaper the supervisor still ends them with the run.
        bool adopt = !plan.Stage2.Namespaces.HasFlag(Namespaces.Pid);
        if (adopt) spawner.AdoptOrphans();
        using var launch = new SandboxLaunch(plan, spawner, new LaunchLog(log, plan.Verbosity));
        // In place before the clone: a signal at any later moment reaches the sandbox (or ends it before it runs).
        using (ForwardSignals(launch))
        {
            try
            {
                launch.Start();
                launch.Configure();
                launch.Go();
                // The audit reader is a thread (its start spins ~0.5 ms): a short run's records wait in the
                // socket, and only a run still going after the first tick, or one under --seccomp_log, gets it.
                if (plan.Seccomp.Log) launch.StartAuditReader();
                (error, timedOut) = Wait(launch, wall);
                ended = error is null && !timedOut;
            }
            catch (Exception e) when (SetupErrors.Describe(e) is { } setup)
            {
                error = setup;
            }
            finally
            {
                // Unless the target exited by itself, pid 1 of the sandbox's pid namespace is killed, which ends
                // every process in it: after any exception too, so the reap never waits on a stage 2 left
                // waiting for its "go".
                outcome = launch.Finish(kill: !ended);
                if (adopt) spawner.EndOrphans();
            }
        }
        wall.Stop();
        return ReportBuilder.Build(plan, outcome, error, timedOut, wall.Elapsed,
            _forwardedSignal != 0 ? Signals.Name(_forwardedSignal) : null);
    }

    /// <summary>Until stage 2 reports a setup error or execs the target (closing its end of the channel, after
    /// its --trace_timing stamps), then until the target exits; either within the time limit.</summary>
    private (SetupError? Error, bool TimedOut) Wait(SandboxLaunch launch, Stopwatch wall)
    {
        using var events = new EventSet();
        Span<ulong> ready = stackalloc ulong[2];
        events.Add(launch.ChannelFd, ChannelToken);
        while (true)
        {
            int left = RemainingMs(wall);
            if (left == 0) return (null, true);
            if (events.Wait(ready, left) == 0) continue;
            var message = launch.ReadChannel();
            if (message?.Timing is { } stamps)
            {
                LaunchTrace.Merge(stamps);
                continue;
            }
            if (message?.Error is { } error) return (error, false);
            break;
        }
        LaunchTrace.Mark("channel closed (exec)");
        events.Remove(launch.ChannelFd);
        events.Add(launch.ExitFd, ExitToken);
        while (true)
        {
            int left = RemainingMs(wall);
            if (left == 0) return (null, true);
            if (events.Wait(ready, left < 0 ? TickMs : Math.Min(left, TickMs)) > 0) break;
            launch.Tick();
        }
        LaunchTrace.Mark("target exited");
        return (null, false);
    }

    /// <summary>Milliseconds left of the time limit, rounded up (-1: no limit; 0: none left). The Stopwatch is
    /// the precise monotonic clock: a time limit must never end before the wall time the report then gives.</summary>
    private int RemainingMs(Stopwatch wall)
    {
        if (plan.TimeLimit is not { } limit) return -1;
        var left = limit - wall.Elapsed;
        return left <= TimeSpan.Zero ? 0 : (int)Math.Min(int.MaxValue, Math.Ceiling(left.TotalMilliseconds));
    }

    /// <summary>SIGINT, SIGTERM, SIGHUP and SIGQUIT to the launcher go to the sandbox; if it has not ended
    /// after <see cref="SignalGrace"/>, it is killed.</summary>
    private IDisposable ForwardSignals(SandboxLaunch launch)
    {
        var registrations = new List<IDisposable>(4);
        foreach (var (signal, number) in new[] { (PosixSignal.SIGINT, 2), (PosixSignal.SIGTERM, 15), (PosixSignal.SIGHUP, 1), (PosixSignal.SIGQUIT, 3) })
        {
            registrations.Add(PosixSignalRegistration.Create(signal, ctx =>
            {
                ctx.Cancel = true;
                _forwardedSignal = number;
                launch.Signal(number);
                _ = Task.Delay(SignalGrace).ContinueWith(_ => launch.Signal(ChildProcess.SigKill));
            }));
        }
        return new Registrations(registrations);
    }

    private sealed class Registrations(List<IDisposable> items) : IDisposable
    {
        public void Dispose() => items.ForEach(i => i.Dispose());
    }
}
