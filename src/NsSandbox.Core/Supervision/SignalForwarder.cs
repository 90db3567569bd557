using NsSandbox.Linux;

namespace NsSandbox.Core.Supervision;

/// <summary>The stop signals, forwarded to the sandbox a supervisor runs at the moment (mode once, and each run
/// of mode rerun); a sandbox that has not ended <see cref="OnceSupervisor.SignalGrace"/> later is killed. A signal
/// that came before the sandbox was attached is delivered as it is attached (before its clone, which
/// <see cref="SandboxLaunch.Signal"/> holds until then), so no run starts unaware of a stop.</summary>
public sealed class SignalForwarder : IDisposable
{
    private readonly Lock _gate = new();
    private readonly StopSignals _signals;
    private SandboxLaunch? _current;

    public SignalForwarder() => _signals = new StopSignals(Forward);

    /// <summary>The last signal received; 0 before any.</summary>
    public int Received => _signals.Last;

    /// <summary>Makes <paramref name="launch"/> the one signals go to until the result is disposed.</summary>
    public IDisposable Attach(SandboxLaunch launch)
    {
        lock (_gate) _current = launch;
        if (Received is var pending and not 0) Deliver(launch, pending);
        return new Detach(this, launch);
    }

    private void Forward(int signal)
    {
        SandboxLaunch? launch;
        lock (_gate) launch = _current;
        if (launch is not null) Deliver(launch, signal);
    }

    private static void Deliver(SandboxLaunch launch, int signal)
    {
        launch.Signal(signal);
        _ = Task.Delay(OnceSupervisor.SignalGrace).ContinueWith(_ => launch.Signal(ChildProcess.SigKill), TaskScheduler.Default);
    }

    public void Dispose() => _signals.Dispose();

    private sealed class Detach(SignalForwarder owner, SandboxLaunch launch) : IDisposable
    {
        public void Dispose()
        {
            lock (owner._gate)
                if (owner._current == launch) owner._current = null;
        }
    }
}
