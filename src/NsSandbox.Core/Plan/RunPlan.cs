namespace NsSandbox.Core.Plan;

/// <summary>A file the launch writes on the host before the clone.</summary>
public sealed record ContentFile(string Path, string Content);

/// <summary>Everything one run needs, resolved from a spec by <see cref="Planner"/>: stage 2's plan (with its
/// compiled seccomp program), the host paths, id maps, cgroup, network, limits and what the report will say of
/// the sandbox. Supervisors read only this; the report is built from it and from what happened.</summary>
public sealed record RunPlan
{
    public required string RunId { get; init; }
    public required IReadOnlyList<string> Command { get; init; }
    public required RunPaths Paths { get; init; }
    /// <summary>What the parent writes to the child's id maps; null without a user namespace.</summary>
    public UserMapping? Users { get; init; }
    public required Stage2Plan Stage2 { get; init; }
    public SeccompProgram Seccomp => Stage2.Seccomp;
    public required CgroupSpec Cgroup { get; init; }
    /// <summary>The name of the run's cgroup leaf.</summary>
    public string CgroupName => "nssandbox-" + RunId;
    public required NetSpec Net { get; init; }
    public TimeSpan? TimeLimit { get; init; }
    /// <summary>Keep the fresh /data after the run (--keep_data).</summary>
    public bool KeepData { get; init; }
    /// <summary>The outside owner of a fresh /data: the id the sandbox's user maps to.</summary>
    public required uint DataUid { get; init; }
    public required uint DataGid { get; init; }
    /// <summary>Files the launch writes into the run directory before the clone: the sources of the spec's
    /// content mounts (nsjail's src_content), bound read-only into the sandbox.</summary>
    public IReadOnlyList<ContentFile> Files { get; init; } = [];
    public Verbosity Verbosity { get; init; } = Verbosity.Normal;
    /// <summary>Lines the launcher prints before the run, whatever the verbosity (the host's root mapped in).</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];
    public bool TraceTiming { get; init; }
    /// <summary>The report's "sandbox" (its data_dir is filled in after the run) and "limits".</summary>
    public required ReportSandbox ReportSandbox { get; init; }
    public required ReportLimits ReportLimits { get; init; }
}
