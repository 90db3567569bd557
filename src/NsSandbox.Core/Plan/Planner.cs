using NsSandbox.Linux;

namespace NsSandbox.Core.Plan;

/// <summary>The single place a spec becomes everything a run needs (<see cref="RunPlan"/>): it checks the spec
/// against the host (paths, names, privileges), compiles the seccomp policy, and resolves run paths, id maps,
/// the environment, mounts, rlimits, cgroup and network. Reads the host through <see cref="IHostView"/> but
/// changes nothing, so a bad spec is refused before anything exists.</summary>
public static class Planner
{
    public static RunPlan Create(SandboxSpec spec, IHostView host, PlanOptions options) => Create(Prepare(spec, host), host, options);

    /// <summary>A plan from a spec checked once: a listener or a rerun makes a plan per run (its own run id,
    /// paths and cgroup) without checking the host or compiling the policy again.</summary>
    public static RunPlan Create(CheckedSpec checkedSpec, IHostView host, PlanOptions options)
    {
        var (spec, uid, gid, seccomp) = checkedSpec;

        string runId = options.RunId ?? RunIds.New();
        string stateDir = spec.StateDir ?? StateDirectory.Default(host);
        var paths = options.RunDirectory ? RunPaths.For(stateDir, runId, spec.DataDir) : RunPaths.ForExecve(runId, spec.DataDir);
        bool newUser = spec.Namespaces.HasFlag(Namespaces.User);
        var users = newUser ? UserMapping.For(uid, gid, host.EffectiveUid, host.EffectiveGid) : null;
        var (mounts, files) = PlaceContent(spec, paths);
        spec = spec with { Mounts = mounts };
        var env = EnvironmentPlanner.Build(spec.Env, host);
        var rlimits = spec.Rlimits.Select(r => Resolve(r, host)).ToList();
        var stage2 = new Stage2Plan
        {
            RunId = runId,
            Namespaces = spec.Namespaces,
            RootMountPoint = paths.RootMountPoint,
            MountOps = FilesystemPlanner.Build(spec, uid, gid, paths, host),
            Hostname = spec.Namespaces.HasFlag(Namespaces.Uts) ? spec.Hostname : null,
            Rlimits = rlimits,
            Uid = uid,
            Gid = gid,
            ClearGroups = users?.AllowSetgroups ?? host.EffectiveUid == 0,
            Cwd = spec.Cwd,
            Argv = spec.Command,
            ExecCandidates = EnvironmentPlanner.ExecCandidates(spec.Command[0], env),
            Env = env,
            DieWithParent = options.DieWithParent,
            AwaitStart = options.AwaitStart,
            Seccomp = seccomp,
            LoopbackUp = spec.Net.LoopbackUp,
            TraceTiming = spec.TraceTiming,
        };
        return new RunPlan
        {
            RunId = runId,
            Command = spec.Command,
            Paths = paths,
            Users = users,
            Stage2 = stage2,
            Cgroup = spec.Cgroup,
            Net = spec.Net,
            TimeLimit = spec.TimeLimit,
            KeepData = spec.KeepData,
            DataUid = users?.Uid.Outside ?? uid,
            DataGid = users?.Gid.Outside ?? gid,
            Files = files,
            Verbosity = spec.Verbosity,
            TraceTiming = spec.TraceTiming,
            ReportSandbox = new ReportSandbox
            {
                Uid = uid,
                Gid = gid,
                Hostname = stage2.Hostname,
                Namespaces = FlagNames.Of(spec.Namespaces).Split(','),
                Chroot = spec.Chroot,
                ReadOnlyRoot = !spec.ReadWrite,
                DataDir = spec.DataDir,
                Network = spec.Net.ModeName,
                SeccompPolicy = seccomp.Label,
                SeccompLog = seccomp.Log ? true : null,
            },
            ReportLimits = LimitsOf(spec, rlimits),
        };
    }

    /// <summary><see cref="Check"/>, keeping what it resolved for the plans to come.</summary>
    public static CheckedSpec Prepare(SandboxSpec spec, IHostView host)
    {
        var (uid, gid, seccomp) = Check(spec, host);
        return new CheckedSpec(spec, uid, gid, seccomp);
    }

    /// <summary>Everything that can refuse a spec before a run (a usage error, exit 125): what it names on the
    /// host must be there, what it asks must be allowed to this user, its user and group must resolve and its
    /// seccomp policy compile. <c>config check</c> runs this alone.</summary>
    public static (uint Uid, uint Gid, SeccompProgram Seccomp) Check(SandboxSpec spec, IHostView host)
    {
        CheckAgainstHost(spec, host);
        // Names are the sandbox's own: its root's /etc, or the host's when the root is empty (as nsjail does).
        string names = spec.Chroot ?? "/";
        uint uid = IdResolver.Resolve(spec.User, names, "passwd", spec.OriginOf("user", "--user"), host);
        uint gid = IdResolver.Resolve(spec.Group, names, "group", spec.OriginOf("group", "--group"), host);
        return (uid, gid, SeccompPlanner.Compile(spec.Seccomp));
    }

    private static void CheckAgainstHost(SandboxSpec spec, IHostView host)
    {
        if (spec.Chroot is not null && host.KindOf(spec.Chroot) != EntryKind.Directory)
            throw new SpecException(spec.OriginOf("chroot", "--chroot"), $"{spec.Chroot} is not a directory");
        if (!spec.Namespaces.HasFlag(Namespaces.User) && host.EffectiveUid != 0)
            throw new SpecException(spec.OriginOf("namespaces", "--disable_clone_newuser"), "only root can run without a user namespace");
        if (spec.DataDir is { } data && host.KindOf(data) != EntryKind.Directory)
            throw new SpecException(spec.OriginOf("data", "--data"), $"{data} is not a directory");
        if (spec.ReportDir is { } reports && host.KindOf(reports) != EntryKind.Directory)
            throw new SpecException(spec.OriginOf("report_dir", "--report_dir"), $"{reports} is not a directory");
    }

    /// <summary>A content mount's file goes in the run directory (runs/ID/content/N), which only the launcher
    /// may enter; mode execve has none.</summary>
    private static (IReadOnlyList<MountSpec>, IReadOnlyList<ContentFile>) PlaceContent(SandboxSpec spec, RunPaths paths)
    {
        var files = new List<ContentFile>();
        var mounts = spec.Mounts.Select((m, i) =>
        {
            if (!m.IsContent) return m;
            if (paths.RunDir is null)
                throw new SpecException(spec.OriginOf($"mount{i}", "src_content"), "a file made from content needs a run directory; mode execve has none");
            string path = Path.Combine(paths.RunDir, "content", i.ToString(System.Globalization.CultureInfo.InvariantCulture));
            files.Add(new ContentFile(path, m.Content!));
            return m with { Source = path, ReadOnly = true };
        }).ToList();
        return (mounts, files);
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

    private static ReportLimits LimitsOf(SandboxSpec spec, IReadOnlyList<RlimitOp> rlimits) => new()
    {
        TimeLimitSeconds = spec.TimeLimit?.TotalSeconds,
        TmpSizeBytes = spec.TmpSizeBytes,
        Rlimits = rlimits.ToDictionary(r => FlagNames.Of(r.Resource), r => r.Hard == ulong.MaxValue ? null : (ulong?)r.Hard),
        CgroupMemMaxBytes = spec.Cgroup.Limits.MemoryMax,
        CgroupMemSwapMaxBytes = spec.Cgroup.Limits.MemoryMax is null ? null : spec.Cgroup.Limits.MemorySwapMax ?? 0,
        CgroupPidsMax = spec.Cgroup.Limits.PidsMax,
        CgroupCpuMsPerSec = spec.Cgroup.Limits.CpuMsPerSec,
    };
}

/// <summary>A spec the planner has checked against the host, with the ids and seccomp program it resolved.</summary>
public sealed record CheckedSpec(SandboxSpec Spec, uint Uid, uint Gid, SeccompProgram Seccomp);
