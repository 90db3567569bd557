using NsSandbox.Core.Plan;
using NsSandbox.Core.Supervision;
using NsSandbox.Core.Supervision.Listen;
using NsSandbox.Linux;
using NsSandbox.Linux.Net;

namespace NsSandbox.Runs;

/// <summary>Mode listen from a checked spec: the listening socket (a failure to bind names the flag, exit 125),
/// then <see cref="ListenSupervisor"/> with a fresh plan per connection.</summary>
public static class ListenRun
{
    private const int AddressInUse = 98; // EADDRINUSE

    public static int Run(SandboxSpec spec, ListenSpec listen)
    {
        var host = new RealHostView();
        var checkedSpec = Planner.Prepare(spec, host);
        RunPlan Next() => Planner.Create(checkedSpec, host, PlanOptions.Once);
        // Whatever the plan could still refuse is refused now, before the first client; its warnings are said once.
        foreach (string warning in Next().Warnings) Console.Error.WriteLine("nssandbox: " + warning);
        TcpListenSocket socket;
        try
        {
            socket = TcpListenSocket.Open(listen.BindHost, listen.Port);
        }
        catch (KernelException e)
        {
            // A port in use or reserved is the port's fault; anything else (no such address here) the address's.
            bool port = e.Errno is AddressInUse or Errno.AccessDenied;
            throw new SpecException(port ? spec.OriginOf("port", "--port") : spec.OriginOf("bindhost", "--bindhost"), e.Message);
        }
        if (spec.TimeLimit is null && spec.Verbosity != Verbosity.Quiet)
            Console.Error.WriteLine("nssandbox: no --time_limit: a client that stops talking keeps its sandbox until it disconnects");
        return new ListenSupervisor(socket, listen, Next, LinuxSpawner.Instance, Console.Error, spec.Verbosity, spec.ReportDir).Run();
    }
}
