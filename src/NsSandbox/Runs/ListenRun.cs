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
            throw new SpecException(spec.OriginOf(listen.Port == 0 ? "bindhost" : "port", listen.Port == 0 ? "--bindhost" : "--port"), e.Message);
        }
        if (spec.TimeLimit is null && spec.Verbosity != Verbosity.Quiet)
            Console.Error.WriteLine("nssandbox: no --time_limit: a client that stops talking keeps its sandbox until it disconnects");
        return new ListenSupervisor(socket, listen, Next, LinuxSpawner.Instance, Console.Error, spec.Verbosity, spec.ReportDir).Run();
    }
}
