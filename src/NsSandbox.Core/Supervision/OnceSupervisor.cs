using System.Diagnostics;
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

    public RunReport Run()
    {
        using var signals = new SignalForwarder();
        return Run(signals);
    }

    /// <summary>Runs the sandbox with the stop signals from <paramref name="signals"/> (shared by the runs of mode
    /// rerun, so a signal between two runs is not lost).</summary>
    public RunReport Run(SignalForwarder signals)
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
        using (signals.Attach(launch))
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
            signals.Received != 0 ? Signals.Name(signals.Received) : null);
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
        bool lasting = false;
        while (true)
        {
            int left = RemainingMs(wall);
            if (left == 0) return (null, true);
            if (events.Wait(ready, left < 0 ? TickMs : Math.Min(left, TickMs)) > 0) break;
            launch.Tick();
            if (!lasting) LaunchMemory.GiveBack();
            lasting = true;
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
}
