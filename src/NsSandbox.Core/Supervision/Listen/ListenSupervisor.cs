using NsSandbox.Core.Plan;
using NsSandbox.Core.Report;
using NsSandbox.Linux;
using NsSandbox.Linux.Net;

namespace NsSandbox.Core.Supervision.Listen;

/// <summary>Mode listen (-Ml): every accepted TCP connection gets a fresh sandbox (its own plan: run directory,
/// /data, cgroup, report) whose descriptors 0, 1 and 2 are the socket. One thread serves them all: it waits in
/// one <see cref="EventSet"/> on the listening socket, a wake-up set by the stop signals, and each sandbox's
/// channel, pidfd and socket (the last for a hang-up only), with the nearest time limit as the timeout. It must
/// be the thread that lives as long as the listener (the main thread): the sandboxes die with the thread that
/// cloned them. Nothing a client does stops the listener: a connection over a limit, a failed accept, a sandbox
/// that cannot be set up, a client that vanishes, each is one log line. A stop signal ends it cleanly: no more
/// accepts, the signal passed on to every sandbox, those still running after <see cref="OnceSupervisor.SignalGrace"/>
/// killed, everything cleaned up, exit status 0.</summary>
public sealed class ListenSupervisor
{
    /// <summary>How long accepting pauses when the launcher is out of descriptors or memory: the pending
    /// connection stays in the backlog, so trying again at once would spin.</summary>
    public static readonly TimeSpan AcceptPause = TimeSpan.FromSeconds(1);

    /// <summary>Connections accepted at one wake-up before the other events are looked at: a burst of clients
    /// (each accept sets up a sandbox, a few ms) must not keep the listener from noticing for seconds that sandboxes
    /// ended, ran out of time or lost their client. The listening socket stays ready, so the rest come next turn.</summary>
    public const int AcceptsPerWake = 16;

    /// <summary>How often running sandboxes are checked for a ptrace stop and their audit records drained.</summary>
    private const int TickMs = 250;

    /// <summary>How often a SIGSYS death's audit record is looked for while it is awaited.</summary>
    private const int AuditPollMs = 10;

    private const ulong ListenerToken = 3, WakeToken = 7;
    private const ulong KindChannel = 0, KindExit = 1, KindSocket = 2, KindMask = 3;

    private readonly TcpListenSocket _listener;
    private readonly Func<RunPlan> _nextPlan;
    private readonly ISpawner _spawner;
    private readonly TextWriter _log;
    private readonly Verbosity _verbosity;
    private readonly LaunchLog _launchLog;
    private readonly string? _reportDir;
    private readonly ConnectionCounts _counts;
    private readonly Dictionary<ulong, Connection> _connections = new();
    private readonly WakeupEvent _wake = new();
    private readonly GarbageCollections _collections = new(1 << 20);
    private EventSet? _events;
    private ulong _nextId = 1;
    private bool _listening, _stopping;
    private long _acceptPausedUntilNs, _stopDeadlineNs, _lastTickNs;
    private int _stopSignal, _signalsHandled;
    private StopSignals? _signals;
    private SeccompAuditHub? _audit;

    /// <param name="listener">bound and listening; the supervisor closes it when it stops.</param>
    /// <param name="nextPlan">a fresh plan (new run id) for each connection.</param>
    public ListenSupervisor(TcpListenSocket listener, ListenSpec limits, Func<RunPlan> nextPlan, ISpawner spawner,
        TextWriter log, Verbosity verbosity, string? reportDir)
    {
        _listener = listener;
        _nextPlan = nextPlan;
        _spawner = spawner;
        _log = log;
        _verbosity = verbosity;
        _launchLog = new LaunchLog(log, verbosity);
        _reportDir = reportDir;
        _counts = new ConnectionCounts(limits.MaxConns, limits.MaxConnsPerIp);
    }

    /// <summary>Connections served so far (each with its log line), and refused over a limit.</summary>
    public int Served { get; private set; }
    public int Refused { get; private set; }

    /// <summary>Asks the listener to stop, as SIGTERM does; from any thread.</summary>
    public void Stop(int signal = 15)
    {
        Interlocked.CompareExchange(ref _stopSignal, signal, 0);
        _wake.Set();
    }

    /// <summary>Serves connections until a stop signal (SIGINT, SIGTERM, SIGHUP, SIGQUIT) or <see cref="Stop"/>;
    /// returns 0 once every sandbox has ended and been cleaned up.</summary>
    public int Run()
    {
        // The handlers only set the wake-up; they are removed (Dispose) before it is closed.
        using var signals = _signals = new StopSignals(signal => Stop(signal));
        using var events = _events = new EventSet();
        // One audit listener (one socket, one thread) names the seccomp kills of every sandbox.
        using var audit = _audit = SeccompAuditHub.TryOpen();
        Span<ulong> ready = stackalloc ulong[64];
        try
        {
            events.Add(_wake.Fd, WakeToken);
            events.Add(_listener.Fd, ListenerToken);
            _listening = true;
            Warn($"listening on {_listener.Local}"); // also with -q: with port 0 it is the only way to learn the port
            while (!_stopping || _connections.Count > 0)
            {
                int n = events.Wait(ready, NextTimeoutMs());
                for (int i = 0; i < n; i++) Dispatch(ready[i]);
                OnTimers();
            }
        }
        finally
        {
            // After an unexpected exception too: no sandbox outlives the listener, nothing is left behind.
            foreach (var connection in _connections.Values.ToList()) Complete(connection, kill: true);
            _listener.Dispose();
        }
        Say($"stopped after {Served} connection{(Served == 1 ? "" : "s")}");
        _wake.Dispose();
        return 0;
    }

    /// <summary>A sandbox's share of the listener's audit log; null without one (no CAP_AUDIT_READ).</summary>
    private ISeccompRecords? OpenAudit() => _audit?.Subscribe();

    private void Dispatch(ulong token)
    {
        if (token == WakeToken)
        {
            OnStop();
            return;
        }
        if (token == ListenerToken)
        {
            AcceptPending();
            return;
        }
        // A connection completed earlier in this batch has left the table: its stale events are dropped.
        if (!_connections.TryGetValue(token >> 2, out var connection)) return;
        switch (token & KindMask)
        {
            case KindChannel: OnChannel(connection); break;
            case KindExit: OnExit(connection); break;
            case KindSocket: OnHangup(connection); break;
        }
    }

    private void AcceptPending()
    {
        for (int taken = 0; _listening && taken < AcceptsPerWake; taken++)
        {
            TcpConnection? accepted;
            try
            {
                accepted = _listener.Accept();
            }
            catch (KernelException e) when (e.Errno is Errno.TooManyFiles or TooManyFilesInSystem or Errno.NoBufferSpace or OutOfMemory)
            {
                PauseAccepting(e);
                return;
            }
            catch (KernelException e) when (e.Errno is ConnectionAborted or ProtocolError or Errno.NotPermitted)
            {
                Say($"accept: {KernelException.Describe(e.Errno)}"); // this connection only; the next may be fine
                continue;
            }
            catch (KernelException e)
            {
                PauseAccepting(e);
                return;
            }
            if (accepted is null) return;
            Admit(accepted);
            _collections.CollectIfDue();
        }
    }

    private const int TooManyFilesInSystem = 23, OutOfMemory = 12, ConnectionAborted = 103, ProtocolError = 71;

    private void PauseAccepting(KernelException e)
    {
        _events!.Remove(_listener.Fd);
        _listening = false;
        _acceptPausedUntilNs = MonotonicClock.NowNs + AcceptPause.Ticks * 100;
        Warn($"accept: {KernelException.Describe(e.Errno)}; accepting again in {AcceptPause.TotalSeconds:0.#}s");
    }

    private void Admit(TcpConnection accepted)
    {
        if (_counts.RefusalFor(accepted.Peer.Address) is { } limit)
        {
            Refused++;
            accepted.Dispose();
            Say($"peer={accepted.Peer} refused {limit}");
            return;
        }
        RunPlan plan;
        try
        {
            plan = _nextPlan();
        }
        catch (Exception e) when (e is SpecException || SetupErrors.Describe(e) is not null)
        {
            accepted.Dispose();
            Warn($"peer={accepted.Peer} end=setup-error error={RunLogLine.Quote(e.Message)}");
            return;
        }
        var launch = new SandboxLaunch(plan, _spawner, _launchLog, StdioFds.All(accepted.Fd), OpenAudit);
        var connection = new Connection(_nextId++, accepted, plan, launch);
        _connections.Add(connection.Id, connection);
        _counts.Add(accepted.Peer.Address);
        try
        {
            launch.Start();
            launch.Configure();
            launch.Go();
            if (plan.Seccomp.Log) launch.StartAuditReader();
            _events!.Add(launch.ChannelFd, connection.Id << 2 | KindChannel);
            _events.Add(launch.ExitFd, connection.Id << 2 | KindExit);
            _events.AddHangup(accepted.Fd, connection.Id << 2 | KindSocket);
        }
        catch (Exception e) when (SetupErrors.Describe(e) is { } error)
        {
            connection.Error = error;
            Complete(connection, kill: true);
            return;
        }
        if (_stopping) Forward(connection, _stopSignal); // a stop came while this one was set up
    }

    /// <summary>Stage 2's message: a setup error ends the connection; end of file means it exec'd the command.</summary>
    private void OnChannel(Connection connection)
    {
        var message = connection.Launch.ReadChannel();
        if (message?.Timing is not null) return;
        if (message?.Error is { } error)
        {
            connection.Error = error;
            Complete(connection, kill: true);
            return;
        }
        _events!.Remove(connection.Launch.ChannelFd); // at end of file it would stay readable
        connection.State = ConnectionState.Running;
    }

    private void OnExit(Connection connection)
    {
        // A stage 2 that failed and exited may have left its message unread.
        while (connection.State == ConnectionState.Starting && connection.Launch.ReadChannel() is { } message)
            if (message.Error is { } error) connection.Error = error;
        if (connection.Launch.SeccompRecordPending())
        {
            // Waiting for the record must not block the other connections: it is looked for on the timer.
            Unwatch(connection);
            connection.State = ConnectionState.AwaitingAudit;
            connection.AuditDeadlineNs = MonotonicClock.NowNs + SandboxLaunch.AuditDelay.Ticks * 100;
            return;
        }
        Complete(connection, kill: false);
    }

    /// <summary>The client is gone both ways: nobody can read what the sandbox writes, so it is ended.</summary>
    private void OnHangup(Connection connection)
    {
        if (ChildProcess.HasExited(connection.Launch.ExitFd))
        {
            OnExit(connection); // it ended by itself; the hang-up came with it
            return;
        }
        connection.Disconnected = true;
        Complete(connection, kill: true);
    }

    private void OnStop()
    {
        _wake.Reset();
        int received = _signals?.Count ?? 0;
        if (_stopping)
        {
            // A second signal: no more grace.
            if (received > _signalsHandled) KillAll();
            _signalsHandled = received;
            return;
        }
        _signalsHandled = received;
        _stopping = true;
        if (_listening) _events!.Remove(_listener.Fd);
        _listening = false;
        _listener.Dispose();
        int signal = _stopSignal != 0 ? _stopSignal : 15;
        Say($"{Signals.Name(signal)}: stopped listening; ending {_connections.Count} sandbox{(_connections.Count == 1 ? "" : "es")}");
        foreach (var connection in _connections.Values) Forward(connection, signal);
        _stopDeadlineNs = MonotonicClock.NowNs + OnceSupervisor.SignalGrace.Ticks * 100;
    }

    private static void Forward(Connection connection, int signal)
    {
        if (connection.State == ConnectionState.AwaitingAudit) return;
        connection.ForwardedSignal = signal;
        connection.Launch.Signal(signal);
    }

    private void KillAll()
    {
        foreach (var connection in _connections.Values.ToList()) Complete(connection, kill: true);
    }

    private void OnTimers()
    {
        long now = MonotonicClock.NowNs;
        if (!_listening && !_stopping && now >= _acceptPausedUntilNs)
        {
            _events!.Add(_listener.Fd, ListenerToken);
            _listening = true;
        }
        if (_stopping && now >= _stopDeadlineNs)
        {
            KillAll();
            return;
        }
        bool tick = now - _lastTickNs >= TickMs * 1_000_000L;
        if (tick) _lastTickNs = now;
        foreach (var connection in _connections.Values.ToList())
        {
            if (connection.State == ConnectionState.AwaitingAudit)
            {
                if (now >= connection.AuditDeadlineNs || !connection.Launch.SeccompRecordPending()) Complete(connection, kill: false);
            }
            else if (connection.OverTime)
            {
                // An exit not dispatched yet (it came while the listener was busy) is an exit, not a timeout.
                if (ChildProcess.HasExited(connection.Launch.ExitFd))
                {
                    OnExit(connection);
                    continue;
                }
                connection.TimedOut = true;
                Complete(connection, kill: true);
            }
            else if (tick && connection.State == ConnectionState.Running)
            {
                connection.Launch.Tick();
            }
        }
    }

    /// <summary>The wait's timeout: the nearest of the time limits, the tick while sandboxes run, the end of an
    /// accept pause, an awaited audit record, the end of the stop's grace; -1 when nothing is due.</summary>
    private int NextTimeoutMs()
    {
        long best = long.MaxValue;
        long now = MonotonicClock.NowNs;
        if (!_listening && !_stopping) best = Math.Min(best, MsUntil(_acceptPausedUntilNs, now));
        if (_stopping) best = Math.Min(best, MsUntil(_stopDeadlineNs, now));
        foreach (var connection in _connections.Values)
        {
            if (connection.State == ConnectionState.AwaitingAudit) best = Math.Min(best, AuditPollMs);
            else if (connection.State == ConnectionState.Running) best = Math.Min(best, TickMs);
            if (connection.MsToDeadline is { } left) best = Math.Min(best, left);
        }
        return best == long.MaxValue ? -1 : (int)Math.Min(best, int.MaxValue);
    }

    private static long MsUntil(long deadlineNs, long nowNs) => Math.Max(0, (deadlineNs - nowNs + 999_999) / 1_000_000);

    /// <summary>Stops watching the connection's descriptors (before any is closed: the sandbox holds copies of
    /// the socket, whose registration would otherwise outlive this process's descriptor).</summary>
    private void Unwatch(Connection connection)
    {
        if (_events is null) return;
        _events.Remove(connection.Launch.ChannelFd);
        _events.Remove(connection.Launch.ExitFd);
        _events.Remove(connection.Socket.Fd);
    }

    /// <summary>Ends the connection: kills the sandbox if asked, reaps and cleans it up, closes the socket (the
    /// client reads end of file), writes its report and logs its line.</summary>
    private void Complete(Connection connection, bool kill)
    {
        Unwatch(connection);
        SandboxOutcome outcome;
        try
        {
            // Any wait for an audit record happened on the timer, without blocking the others.
            outcome = connection.Launch.Finish(kill, auditWait: TimeSpan.Zero);
        }
        finally
        {
            connection.Socket.Dispose();
            _connections.Remove(connection.Id);
            _counts.Remove(connection.Socket.Peer.Address);
        }
        Served++;
        var report = ReportBuilder.Build(connection.Plan, outcome, connection.Error, connection.TimedOut, connection.Wall.Elapsed,
            connection.ForwardedSignal != 0 ? Signals.Name(connection.ForwardedSignal) : null) with
        {
            Connection = new ReportConnection(connection.Socket.Peer.ToString(), _listener.Local.ToString(),
                connection.Disconnected && connection.Error is null && !connection.TimedOut ? true : null),
        };
        // The report first: whoever reads the line can open it.
        if (_reportDir is not null)
        {
            try
            {
                ReportWriter.WriteInto(report, _reportDir);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                Warn($"run={report.RunId} report: {e.Message}");
            }
        }
        string line = RunLogLine.Format(report);
        if (report.Reason == EndReason.SetupError) Warn(line);
        else Say(line);
        _collections.CollectIfDue();
    }

    /// <summary>A line unless -q.</summary>
    private void Say(string message)
    {
        if (_verbosity != Verbosity.Quiet) _log.WriteLine("nssandbox: " + message);
    }

    /// <summary>A line about a failure: also with -q.</summary>
    private void Warn(string message) => _log.WriteLine("nssandbox: " + message);
}
