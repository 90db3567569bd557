using NsSandbox.Core.Plan;
using NsSandbox.Core.Supervision;

namespace NsSandbox.Runs;

/// <summary>Mode rerun from a checked spec: <see cref="RerunSupervisor"/> with a fresh plan per run.</summary>
public static class RerunRun
{
    public static int Run(SandboxSpec spec)
    {
        var host = new RealHostView();
        var checkedSpec = Planner.Prepare(spec, host);
        RunPlan Next() => Planner.Create(checkedSpec, host, PlanOptions.Once);
        // Whatever the plan could still refuse is refused now, before the first run; its warnings are said once.
        foreach (string warning in Next().Warnings) Console.Error.WriteLine("nssandbox: " + warning);
        return new RerunSupervisor(Next, LinuxSpawner.Instance, Console.Error, spec.Verbosity, spec.ReportDir).Run();
    }
}
