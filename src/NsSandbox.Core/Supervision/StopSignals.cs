using System.Runtime.InteropServices;

namespace NsSandbox.Core.Supervision;

/// <summary>SIGINT, SIGTERM, SIGHUP and SIGQUIT to the launcher, handled: their default action would end it
/// without clean-up. Each is passed to a callback, on a thread of the runtime's (not the supervisor's), and
/// remembered. Dispose before whatever the callback touches.</summary>
public sealed class StopSignals : IDisposable
{
    private static readonly (PosixSignal Signal, int Number)[] Handled =
        [(PosixSignal.SIGINT, 2), (PosixSignal.SIGTERM, 15), (PosixSignal.SIGHUP, 1), (PosixSignal.SIGQUIT, 3)];

    private readonly List<PosixSignalRegistration> _registrations = new(Handled.Length);
    private int _last, _count;

    public StopSignals(Action<int> onSignal)
    {
        foreach (var (signal, number) in Handled)
        {
            _registrations.Add(PosixSignalRegistration.Create(signal, ctx =>
            {
                ctx.Cancel = true;
                Volatile.Write(ref _last, number);
                Interlocked.Increment(ref _count);
                onSignal(number);
            }));
        }
    }

    /// <summary>The last signal received; 0 before any.</summary>
    public int Last => Volatile.Read(ref _last);

    /// <summary>How many have been received.</summary>
    public int Count => Volatile.Read(ref _count);

    public void Dispose() => _registrations.ForEach(r => r.Dispose());
}
