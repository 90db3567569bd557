using NsSandbox.Core.Plan;
using NsSandbox.Core.Stage2;
using NsSandbox.Linux;
using NsSandbox.Linux.Stage2Code;

namespace NsSandbox.Core.Tests;

/// <summary>The exact kernel call sequence stage 2 makes for a plan (the end-to-end tests prove the kernel agrees).</summary>
public sealed class Stage2Tests
{
    private static Stage2Plan MakePlan(Func<SandboxSpec, SandboxSpec>? change = null)
    {
        var spec = new SandboxSpec { Command = ["/bin/true"], StateDir = "/state" };
        if (change is not null) spec = change(spec);
        return TestPlans.Stage2(spec);
    }

    [Fact]
    public void MountsStartPrivateSwitchUserAtTheSkeletonAndEndWithPivot()
    {
        var kernel = new RecordingKernel();
        var plan = MakePlan();
        new MountExecutor(kernel, () => kernel.Calls.Add("<skeleton ready>")).Execute(plan.MountOps);
        var c = kernel.Calls;
        Assert.Equal("mount - / - Recursive, Private -", c[0]);
        Assert.Equal("clone /etc True -> 10", c[1]);
        int skeleton = c.IndexOf("mount tmpfs /state/runs/r tmpfs NoSuid, NoDev mode=0755,size=1m,uid=65534,gid=65534");
        Assert.Equal(["chdir /state/runs/r", "<skeleton ready>"], c.Skip(skeleton + 1).Take(2));
        int pivot = c.IndexOf("pivot_root . .");
        Assert.Equal("mark mounts", c[pivot - 1]);
        Assert.Equal(["umount . True", "chdir /", "mark pivot_root"], c.Skip(pivot + 1).Take(3));
        Assert.All(c.Skip(pivot + 4), x => Assert.StartsWith("close ", x));
        // Attached trees are closed as they are attached; whatever was never attached is closed at the end.
        Assert.Equal(c.Count(x => x.StartsWith("clone ", StringComparison.Ordinal)), c.Count(x => x.StartsWith("close ", StringComparison.Ordinal)));
    }

    [Fact]
    public void MountPointsAreEnsuredAndMountPointsInHostTreesOnlyRequired()
    {
        var kernel = new RecordingKernel();
        var plan = MakePlan(s => s with { Mounts = [new MountSpec("/srv/dir", "/usr/x", true)] });
        new MountExecutor(kernel, () => { }).Execute(plan.MountOps);
        Assert.Contains("mkdir ./usr", kernel.Calls);
        // /usr is the host's tree: nothing may be created in it; its mount point is made in a shadow of /usr
        // (a tmpfs assembled at a staging entry of the skeleton, then moved over it).
        Assert.Contains("mount ./.nssandbox-shadow ./usr - Move -", kernel.Calls);
        Assert.True(kernel.Calls.IndexOf("mount ./.nssandbox-shadow ./usr - Move -") < kernel.Calls.IndexOf("mkdir ./usr/x"));
        Assert.Contains("rmdir ./.nssandbox-shadow", kernel.Calls);
        Assert.Contains("setattr ./usr ReadOnly False", kernel.Calls);
    }

    [Fact]
    public void TheWholeStageEndsInOneExecAndMarksOnlyWhenTracing()
    {
        var kernel = new RecordingKernel();
        var plan = MakePlan();
        SandboxBuilder.Build(plan, kernel);
        Assert.StartsWith("exec ", kernel.Calls[^1]);
        // A plan always carries its filter: the default policy unless the spec says otherwise.
        Assert.True(plan.Seccomp.Filter!.Length > 0);
        Assert.EndsWith($" [/bin/true] filter {plan.Seccomp.Filter.Length}", kernel.Calls[^1]);
        Assert.Single(kernel.Calls, c => c.StartsWith("exec ", StringComparison.Ordinal));

        var untraced = ProgramReader.Read(SandboxBuilder.Compile(MakePlan()).Bytes);
        Assert.DoesNotContain(untraced, op => op.Code == Opcode.Mark);
        var traced = ProgramReader.Read(SandboxBuilder.Compile(MakePlan() with { TraceTiming = true }).Bytes);
        Assert.Equal(["mounts", "pivot_root", "privileges"], traced.Where(op => op.Code == Opcode.Mark).Select(op => op.A));
    }

    [Fact]
    public void ASupervisorsOptionsReachStage2NotTheSpec()
    {
        var spec = new SandboxSpec { Command = ["/bin/true"], StateDir = "/state" };
        var once = Planner.Create(spec, new FakeHost(), PlanOptions.Once).Stage2;
        var created = Planner.Create(spec, new FakeHost(), new PlanOptions { DieWithParent = false, AwaitStart = true }).Stage2;

        var kernel = new RecordingKernel();
        SandboxBuilder.Build(once, kernel);
        Assert.DoesNotContain("await start", kernel.Calls);
        Assert.Contains("pdeathsig 9", kernel.Calls);

        kernel = new RecordingKernel();
        SandboxBuilder.Build(created, kernel);
        // It waits set up, its privileges dropped, with nothing left but the exec; and it outlives its parent.
        Assert.Equal("await start", kernel.Calls[^2]);
        Assert.StartsWith("exec ", kernel.Calls[^1]);
        Assert.DoesNotContain("pdeathsig 9", kernel.Calls);
    }

    [Fact]
    public void ProcessSetupOrderDropsCapabilitiesAfterTheIdsAndRearmsTheDeathSignal()
    {
        var kernel = new RecordingKernel();
        var plan = MakePlan(s => s with { Rlimits = [new(RlimitResource.Nofile, RlimitKind.Value, 64)], Hostname = "h" });
        ProcessSetup.Apply(plan, kernel);
        Assert.Equal(["sethostname h", "lo up", "setrlimit Nofile 64 64", "setsid", "setgroups 0", "setids 65534 65534", "drop caps", "pdeathsig 9", "chdir /data"],
            kernel.Calls);
    }

    [Fact]
    public void ProcessFlagsAreSetBeforeTheIdsAndDevNullLast()
    {
        var kernel = new RecordingKernel();
        var plan = MakePlan(s => s with
        {
            Rlimits = [],
            Hostname = "h",
            Process = new ProcessSpec
            {
                NiceLevel = 5, MaxCpus = 2, Personality = Persona.AddrNoRandomize, DisableTsc = true, Silent = true, ExecFile = "/bin/busybox",
            },
        });
        ProcessSetup.Apply(plan, kernel);
        Assert.Equal(["sethostname h", "lo up", "personality 0x40000", "setpriority 5"], kernel.Calls.Take(4));
        Assert.Matches(@"^affinity \d,\d$", kernel.Calls[4]);
        Assert.Equal(["disable tsc", "setsid", "setgroups 0", "setids 65534 65534", "drop caps", "pdeathsig 9", "chdir /data", "null fds 7 /dev/null"],
            kernel.Calls.Skip(5));
        Assert.Equal(["/bin/busybox"], plan.ExecCandidates);
        Assert.Equal(["/bin/true"], plan.Argv);
        Assert.Equal(4u, MakePlan(s => s with { Process = new ProcessSpec { StderrToNull = true } }).NullFds);
    }

    [Fact]
    public void TheCpuMaskIsAWholeCpuSetOfTheLaunchersCpus()
    {
        for (int seed = 0; seed < 20; seed++)
        {
            var mask = CpuAffinityPlanner.Mask(2, [1, 5, 70, 71], new Random(seed))!;
            Assert.Equal(16, mask.Length); // CPU 71 needs a second 8-byte word
            var cpus = CpuAffinityPlanner.Cpus(mask);
            Assert.Equal(2, cpus.Count);
            Assert.All(cpus, c => Assert.Contains(c, new[] { 1, 5, 70, 71 }));
        }
        Assert.Null(CpuAffinityPlanner.Mask(4, [0, 1, 2, 3], Random.Shared)); // all of them: no change
        Assert.Null(CpuAffinityPlanner.Mask(0, [0, 1], Random.Shared));
        // The program carries it as a block of words the interpreter hands to sched_setaffinity.
        var op = ProgramReader.Read(SandboxBuilder.Compile(MakePlan(s => s with { Process = new ProcessSpec { MaxCpus = 1 } })).Bytes)
            .Single(o => o.Code == Opcode.SetAffinity);
        Assert.Equal(8, ((byte[])op.D!).Length);
    }

    [Fact]
    public void WithoutUtsOrNetNamespacesTheirSetupIsSkipped()
    {
        var kernel = new RecordingKernel();
        var plan = MakePlan(s => s with { Namespaces = Defaults.Namespaces & ~(Namespaces.Uts | Namespaces.Net), Rlimits = [] });
        ProcessSetup.Apply(plan, kernel);
        Assert.Equal(["setsid", "setgroups 0", "setids 65534 65534", "drop caps", "pdeathsig 9", "chdir /data"], kernel.Calls);
    }
}
