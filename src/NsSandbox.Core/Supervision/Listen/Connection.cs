using System.Diagnostics;
using NsSandbox.Core.Plan;
using NsSandbox.Linux.Net;

namespace NsSandbox.Core.Supervision.Listen;

/// <summary>Where a connection's sandbox is: stage 2 setting up (its channel open), the command running, or
/// exited of SIGSYS and waiting for the audit record that names the call.</summary>
internal enum ConnectionState { Starting, Running, AwaitingAudit }

/// <summary>One accepted connection and the sandbox serving it, with what the listener learns about how it ends.</summary>
internal sealed class Connection(ulong id, TcpConnection socket, RunPlan plan, SandboxLaunch launch)
{
    public ulong Id { get; } = id;
    public TcpConnection Socket { get; } = socket;
    public RunPlan Plan { get; } = plan;
    public SandboxLaunch Launch { get; } = launch;
    /// <summary>From the accept: the report's wall time, against which the time limit runs.</summary>
    public Stopwatch Wall { get; } = Stopwatch.StartNew();
    public ConnectionState State { get; set; } = ConnectionState.Starting;
    public SetupError? Error { get; set; }
    public bool TimedOut { get; set; }
    /// <summary>Killed because the client was gone (its connection reset, or closed both ways).</summary>
    public bool Disconnected { get; set; }
    /// <summary>The stop signal passed on to the sandbox when the listener was told to stop.</summary>
    public int ForwardedSignal { get; set; }
    /// <summary>Until when a SIGSYS death waits for its audit record (monotonic clock, ns).</summary>
    public long AuditDeadlineNs { get; set; }

    /// <summary>Whether the time limit has passed.</summary>
    public bool OverTime => Plan.TimeLimit is { } limit && Wall.Elapsed >= limit;

    /// <summary>Milliseconds until the time limit, rounded up; null without one.</summary>
    public long? MsToDeadline => Plan.TimeLimit is { } limit
        ? Math.Max(0, (long)Math.Ceiling((limit - Wall.Elapsed).TotalMilliseconds)) : null;
}
