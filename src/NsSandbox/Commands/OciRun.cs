using System.Runtime.InteropServices;
using NsSandbox.Core.Oci;
using NsSandbox.Linux;

namespace NsSandbox.Commands;

/// <summary>`run`: create and start; without --detach wait for the container's process (this process cloned it,
/// so it reaps it), passing on the signals a caller sends to stop it (as runc does), delete it, and exit with its
/// status (128+N for signal N, as a shell reports it).</summary>
public static class OciRun
{
    private static readonly (PosixSignal Signal, int Number)[] Forwarded =
        [(PosixSignal.SIGINT, 2), (PosixSignal.SIGTERM, 15), (PosixSignal.SIGHUP, 1), (PosixSignal.SIGQUIT, 3)];

    public static int Run(OciRuntime runtime, string id, string bundle, string? pidFile, bool detach)
    {
        runtime.Create(id, bundle, pidFile, consoleSocket: null);
        int pid = runtime.State(id).Pid;
        try
        {
            runtime.Start(id);
        }
        catch
        {
            runtime.Delete(id, force: true);
            throw;
        }
        if (detach) return 0;
        var registrations = Forwarded.Select(f => PosixSignalRegistration.Create(f.Signal, context =>
        {
            context.Cancel = true;
            Processes.Signal(pid, f.Number);
        })).ToList();
        try
        {
            var exit = ChildProcess.Reap(pid);
            runtime.Delete(id, force: true);
            return exit.ExitCode ?? 128 + (exit.Signal ?? 0);
        }
        finally
        {
            foreach (var r in registrations) r.Dispose();
        }
    }
}
