namespace NsSandbox.Core.Plan;

/// <summary>What a supervisor asks of the planner beyond the spec: how it will run the sandbox. Each way to run
/// (once, execve, and later listen, rerun, the OCI lifecycle) states its needs here; the spec says nothing of it.</summary>
public sealed record PlanOptions
{
    /// <summary>A per-run directory under the state directory, removed by the supervisor (false: mode execve
    /// leaves nobody behind to remove one).</summary>
    public bool RunDirectory { get; init; } = true;
    /// <summary>The sandbox dies with the process that spawned it.</summary>
    public bool DieWithParent { get; init; } = true;
    /// <summary>Stage 2 waits for a start message after set-up, before exec.</summary>
    public bool AwaitStart { get; init; }
    /// <summary>A fixed run id (tests); null makes a new one.</summary>
    public string? RunId { get; init; }

    public static PlanOptions Once { get; } = new();

    public static PlanOptions Execve { get; } = new() { RunDirectory = false, DieWithParent = false };
}
