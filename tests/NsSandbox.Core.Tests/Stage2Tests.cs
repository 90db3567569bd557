using NsSandbox.Core.Plan;
using NsSandbox.Core.Spec;
using NsSandbox.Core.Stage2;
using NsSandbox.Linux;

namespace NsSandbox.Core.Tests;

/// <summary>The exact kernel call sequence stage 2 makes for a plan (the end-to-end tests prove the kernel agrees).</summary>
public sealed class Stage2Tests
{
    private static Plan.Plan MakePlan(Func<SandboxSpec, SandboxSpec>? change = null)
    {
        var spec = new SandboxSpec { Command = ["/bin/true"], StateDir = "/state" };
        if (change is not null) spec = change(spec);
        return Planner.Create(spec, RunPaths.For("/state", "r", null), new FakeHost()).Plan;
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
        Assert.Equal(["umount . True", "chdir /"], c.Skip(pivot + 1).Take(2));
        Assert.All(c.Skip(pivot + 3), x => Assert.StartsWith("close ", x));
        // Attached trees are closed as they are attached; whatever was never attached is closed at the end.
        Assert.Equal(c.Count(x => x.StartsWith("clone ", StringComparison.Ordinal)), c.Count(x => x.StartsWith("close ", StringComparison.Ordinal)));
    }

    [Fact]
    public void ExistingMountPointsAreNotCreatedAgain()
    {
        var kernel = new RecordingKernel { Existing = { ["./etc"] = FileType.Directory } };
        new MountExecutor(kernel, () => { }).Execute(MakePlan().MountOps);
        Assert.DoesNotContain("mkdir ./etc", kernel.Calls);
        Assert.Contains("mkdir ./usr", kernel.Calls);
    }

    [Fact]
    public void FailuresNameTheStepTheSandboxPathAndErrno()
    {
        var kernel = new RecordingKernel { FailWhen = c => c.StartsWith("attach", StringComparison.Ordinal) && c.EndsWith("./data", StringComparison.Ordinal) ? new KernelException("move_mount", "./data", 13) : null };
        var e = Assert.Throws<SetupException>(() => new MountExecutor(kernel, () => { }).Execute(MakePlan().MountOps));
        Assert.Equal(new Channel.SetupError("move_mount", "/data", 13, "move_mount /data: Permission denied"), e.Error);
        Assert.Equal(kernel.Calls.Count(x => x.StartsWith("clone ", StringComparison.Ordinal)), kernel.Calls.Count(x => x.StartsWith("close ", StringComparison.Ordinal)));
    }

    [Fact]
    public void MissingMountPointInAHostTreeIsENOENT()
    {
        var plan = MakePlan(s => s with { Mounts = [new MountSpec("/srv/dir", "/usr/x", true)] });
        var e = Assert.Throws<SetupException>(() => new MountExecutor(new RecordingKernel(), () => { }).Execute(plan.MountOps));
        Assert.Equal("mount point /usr/x: No such file or directory", e.Message);
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
    public void WithoutUtsOrNetNamespacesTheirSetupIsSkipped()
    {
        var kernel = new RecordingKernel();
        var plan = MakePlan(s => s with { Namespaces = Defaults.Namespaces & ~(Namespaces.Uts | Namespaces.Net), Rlimits = [] });
        ProcessSetup.Apply(plan, kernel);
        Assert.Equal(["setsid", "setgroups 0", "setids 65534 65534", "drop caps", "pdeathsig 9", "chdir /data"], kernel.Calls);
    }
}
