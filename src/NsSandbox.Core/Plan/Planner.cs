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
        var (spec, identity, seccomp) = checkedSpec;
        var (uid, gid, users) = (identity.Uid, identity.Gid, identity.Users);

        string runId = options.RunId ?? RunIds.New();
        string stateDir = spec.StateDir ?? StateDirectory.Default(host);
        var paths = options.RunDirectory ? RunPaths.For(stateDir, runId, spec.DataDir) : RunPaths.ForExecve(runId, spec.DataDir);
        var (mounts, files) = PlaceContent(spec, paths);
        spec = spec with { Mounts = mounts };
        var env = EnvironmentPlanner.Build(spec.Env, host);
        var rlimits = spec.Rlimits.Select(r => Resolve(r, host)).ToList();
        var stage2 = new Stage2Plan
        {
            RunId = runId,
            Namespaces = spec.Namespaces,
            RootMountPoint = paths.RootMountPoint,
            MountOps = FilesystemPlanner.Build(spec, uid, gid, paths, host, users),
            Hostname = spec.Namespaces.HasFlag(Namespaces.Uts) ? spec.Hostname : null,
            Rlimits = rlimits,
            Personality = (uint)spec.Process.Personality,
            NiceLevel = spec.Process.NiceLevel,
            CpuMask = spec.Process.MaxCpus == 0 ? null : CpuAffinityPlanner.Mask(spec.Process.MaxCpus, host.CpuAffinity, Random.Shared),
            DisableTsc = spec.Process.DisableTsc,
            NullFds = spec.Process.Silent ? 7u : spec.Process.StderrToNull ? 4u : 0,
            Uid = uid,
            Gid = gid,
            ClearGroups = users?.AllowSetgroups ?? host.EffectiveUid == 0,
            Cwd = spec.Cwd,
            Argv = spec.Command,
            // --exec_file (exec_bin's arg0): that file runs, with the command's argv[0] as it is.
            ExecCandidates = spec.Process.ExecuteFd ? [Path.GetFullPath(spec.Process.ExecFile ?? spec.Command[0])]
                : EnvironmentPlanner.ExecCandidates(spec.Process.ExecFile ?? spec.Command[0], env),
            ExecuteFd = spec.Process.ExecuteFd,
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
            DataUid = users is null ? uid : UserMapping.OutsideOf(users.Uids, uid)!.Value,
            DataGid = users is null ? gid : UserMapping.OutsideOf(users.Gids, gid)!.Value,
            Warnings = identity.Warnings,
            Files = files,
            Verbosity = spec.Verbosity,
            TraceTiming = spec.TraceTiming,
            ReportSandbox = new ReportSandbox
            {
                Uid = uid,
                Gid = gid,
                UidMap = users?.Uids.Select(IdMap.ToReport).ToList(),
                GidMap = users?.Gids.Select(IdMap.ToReport).ToList(),
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
        var (identity, seccomp) = Check(spec, host);
        return new CheckedSpec(spec, identity, seccomp);
    }

    /// <summary>Everything that can refuse a spec before a run (a usage error, exit 125): what it names on the
    /// host must be there, what it asks must be allowed to this user, its user and group must resolve and its
    /// seccomp policy compile. <c>config check</c> runs this alone.</summary>
    public static (IdentityPlanner.Identity Identity, SeccompProgram Seccomp) Check(SandboxSpec spec, IHostView host)
    {
        CheckAgainstHost(spec, host);
        return (IdentityPlanner.Plan(spec, host), SeccompPlanner.Compile(spec.Seccomp));
    }

    private static void CheckAgainstHost(SandboxSpec spec, IHostView host)
    {
        if (spec.Chroot is not null && host.KindOf(spec.Chroot) != EntryKind.Directory)
            throw new SpecException(spec.OriginOf("chroot", "--chroot"), $"{spec.Chroot} is not a directory");
        if (!spec.Namespaces.HasFlag(Namespaces.User) && host.EffectiveUid != 0)
            throw new SpecException(spec.OriginOf("namespaces", "--disable_clone_newuser"), "only root can run without a user namespace");
        if (spec.Process.DisableTsc && !IsX86)
            throw new SpecException(spec.OriginOf("disable_tsc", "--disable_tsc"), "PR_SET_TSC exists on x86 only");
        if (spec.Process.ExecuteFd && spec.Command.Count > 0 && Path.GetFullPath(spec.Process.ExecFile ?? spec.Command[0]) is var file
            && host.KindOf(file) != EntryKind.File)
            throw new SpecException(spec.OriginOf("execute_fd", "--execute_fd"), $"{file} is not a file on the host (it is opened there, before the sandbox is built)");
        if (spec.DataDir is { } data && host.KindOf(data) != EntryKind.Directory)
            throw new SpecException(spec.OriginOf("data", "--data"), $"{data} is not a directory");
        if (spec.ReportDir is { } reports && host.KindOf(reports) != EntryKind.Directory)
            throw new SpecException(spec.OriginOf("report_dir", "--report_dir"), $"{reports} is not a directory");
        if (spec.ReportPath is { } report && report != "-") CheckReportDestination(Path.GetFullPath(report), spec, host);
    }

    /// <summary>The report is written after the run, beside its destination and renamed onto it: a destination that
    /// cannot take a file is refused before anything runs.</summary>
    private static void CheckReportDestination(string report, SandboxSpec spec, IHostView host)
    {
        string origin = spec.OriginOf("report", "--report");
        if (host.KindOf(report) == EntryKind.Directory) throw new SpecException(origin, $"{report} is a directory");
        string? dir = Path.GetDirectoryName(report);
        if (dir is not null && host.KindOf(dir) != EntryKind.Directory)
            throw new SpecException(origin, $"{dir} is not a directory, so the report cannot be written there");
    }

    private static bool IsX86 => System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture is
        System.Runtime.InteropServices.Architecture.X64 or System.Runtime.InteropServices.Architecture.X86;

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
        // null: unlimited (or no memory limit at all); a memory limit alone allows no swap.
        CgroupMemSwapMaxBytes = spec.Cgroup.Limits.MemoryMax is null || spec.Cgroup.Limits.MemorySwapMax == CgroupLimits.UnlimitedSwap
            ? null : spec.Cgroup.Limits.MemorySwapMax ?? 0,
        CgroupPidsMax = spec.Cgroup.Limits.PidsMax,
        CgroupCpuMsPerSec = spec.Cgroup.Limits.CpuMsPerSec,
    };
}

/// <summary>A spec the planner has checked against the host, with the identity and seccomp program it resolved.</summary>
public sealed record CheckedSpec(SandboxSpec Spec, IdentityPlanner.Identity Identity, SeccompProgram Seccomp);
