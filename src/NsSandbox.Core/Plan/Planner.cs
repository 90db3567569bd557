using NsSandbox.Core.Spec;
using NsSandbox.Linux;

namespace NsSandbox.Core.Plan;

/// <summary>A plan for stage 2 and what the parent itself must do (the user mapping).</summary>
public sealed record PlannedRun(Plan Plan, UserMapping? Users, RunPaths Paths);

/// <summary>Resolves a validated spec into a plan. Reads the host (through <see cref="IHostView"/>) but changes nothing.</summary>
public static class Planner
{
    public static PlannedRun Create(SandboxSpec spec, RunPaths paths, IHostView host, byte[]? seccompFilter = null)
    {
        bool newUser = spec.Namespaces.HasFlag(Namespaces.User);
        var users = newUser ? UserMapping.For(spec.Uid, spec.Gid, host.EffectiveUid, host.EffectiveGid) : null;
        var env = EnvironmentPlanner.Build(spec.Env, host);
        var plan = new Plan
        {
            RunId = paths.RunId,
            Namespaces = spec.Namespaces,
            RootMountPoint = paths.RootMountPoint,
            MountOps = FilesystemPlanner.Build(spec, paths, host),
            Hostname = spec.Namespaces.HasFlag(Namespaces.Uts) ? spec.Hostname : null,
            Rlimits = spec.Rlimits.Select(r => Resolve(r, host)).ToList(),
            Uid = spec.Uid,
            Gid = spec.Gid,
            ClearGroups = users?.AllowSetgroups ?? host.EffectiveUid == 0,
            Cwd = spec.Cwd,
            Argv = spec.Command,
            ExecCandidates = EnvironmentPlanner.ExecCandidates(spec.Command[0], env),
            Env = env,
            DieWithParent = spec.Mode == RunMode.Once,
            SeccompFilter = seccompFilter,
            LoopbackUp = spec.Net.LoopbackUp,
            TraceTiming = spec.TraceTiming,
        };
        return new PlannedRun(plan, users, paths);
    }

    /// <summary>nsjail's semantics: soft and hard are both set; soft/hard take the launcher's current value.</summary>
    private static RlimitOp Resolve(RlimitSpec r, IHostView host)
    {
        var (soft, hard) = host.GetRlimit(r.Resource);
        ulong value = r.Kind switch
        {
            RlimitKind.Value => r.Value,
            RlimitKind.Infinity => ulong.MaxValue,
            RlimitKind.Soft => soft,
            _ => hard,
        };
        return new RlimitOp(r.Resource, value, value);
    }
}
