using NsSandbox.Linux.Interop;

namespace NsSandbox.Linux;

/// <summary>A supervisor forwards SIGINT and SIGQUIT to its sandbox (as nsjail and timeout(1) do), also when
/// it was started with them ignored (a background job of a non-interactive shell, some CI runners): the .NET
/// runtime installs no handler for a signal ignored at its start, so an explicit `kill -INT` would be lost.</summary>
public static class SignalDispositions
{
    private const nint Default = 0, Ignore = 1, Error = -1;

    /// <summary>Gives the signals their default action when they are ignored; call before the runtime's signal
    /// handling starts (first thing in Main).</summary>
    public static void UnignoreForwarded()
    {
        foreach (int signal in new[] { 2, 3 }) // SIGINT, SIGQUIT
        {
            nint previous = Libc.Signal(signal, Default);
            if (previous != Ignore && previous != Error && previous != Default) Libc.Signal(signal, previous); // a handler: keep it
        }
    }
}
