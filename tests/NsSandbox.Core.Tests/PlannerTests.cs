using NsSandbox.Core.Plan;
using NsSandbox.Linux;

namespace NsSandbox.Core.Tests;

public sealed class PlannerTests
{
    private static readonly RunPaths Paths = RunPaths.For("/state", "run1", null);

    private static SandboxSpec Spec(Func<SandboxSpec, SandboxSpec>? change = null)
    {
        var spec = new SandboxSpec { Command = ["/bin/true"], StateDir = "/state" };
        return change is null ? spec : change(spec);
    }

    private static List<string> Ops(SandboxSpec spec, FakeHost? host = null) =>
        FilesystemPlanner.Build(spec, 65534, 65534, Paths, host ?? new FakeHost()).Select(o => o.ToString()).ToList();

    [Fact]
    public void EveryBindSourceIsDetachedBeforeTheSkeletonExists()
    {
        var ops = FilesystemPlanner.Build(Spec(), 65534, 65534, Paths, new FakeHost());
        int skeleton = ops.ToList().FindIndex(o => o.Kind == MountOpKind.Skeleton);
        Assert.True(skeleton > 0);
        Assert.All(ops.Take(skeleton), o => Assert.Contains(o.Kind, new[] { MountOpKind.CloneTree, MountOpKind.SetTreeAttributes }));
        Assert.DoesNotContain(ops.Skip(skeleton), o => o.Kind is MountOpKind.CloneTree or MountOpKind.SetTreeAttributes);
        Assert.Equal("/state/runs/run1", ops[skeleton].Target);
        Assert.Equal("mode=0755,size=1m,uid=65534,gid=65534", ops[skeleton].Data);
    }

    [Fact]
    public void ChrootEntriesAreBoundReadOnlyAndSymlinksKept()
    {
        var ops = Ops(Spec());
        Assert.Equal(
        [
            "clone-tree #0 /etc (recursive)", "set-tree-attr #0 ReadOnly, NoSuid (recursive)",
            "clone-tree #1 /usr (recursive)", "set-tree-attr #1 ReadOnly, NoSuid (recursive)",
            "clone-tree #2 /version", "set-tree-attr #2 ReadOnly, NoSuid",
        ], ops.Take(6));
        Assert.Contains("symlink ./bin -> usr/bin", ops);
        // Sockets and other special files are not carried over; proc, dev, sys, tmp and data are the sandbox's own.
        Assert.DoesNotContain(ops, o => o.Contains("run.sock") || o.Contains("clone-tree #") && (o.Contains("/proc") || o.Contains("/tmp") || o.Contains("/data ")));
        Assert.Contains("mkfile ./version", ops);
        Assert.Contains("attach #2 ./version", ops);
    }

    [Fact]
    public void ReadWriteChrootKeepsBindsWritable()
    {
        var ops = Ops(Spec(s => s with { ReadWrite = true }));
        Assert.Contains("set-tree-attr #0 NoSuid (recursive)", ops);
        Assert.DoesNotContain(ops, o => o.StartsWith("set-tree-attr #0 ReadOnly", StringComparison.Ordinal));
    }

    [Fact]
    public void TheSandboxProvidesDevProcSysTmpAndDataThenSealsAndPivots()
    {
        var ops = Ops(Spec());
        int At(string op) => ops.IndexOf(op) is var i && i >= 0 ? i : throw new Xunit.Sdk.XunitException($"missing: {op}\n{string.Join("\n", ops)}");
        Assert.True(At("mkdir ./dev") < At("tmpfs ./dev mode=0755,size=64k"));
        Assert.True(At("tmpfs ./dev mode=0755,size=64k") < At("mkfile ./dev/null"));
        Assert.Contains("symlink ./dev/fd -> /proc/self/fd", ops);
        Assert.Contains("tmpfs ./dev/shm mode=1777,size=268435456", ops);
        Assert.Contains("proc ./proc", ops);
        Assert.Contains("sysfs ./sys", ops);
        Assert.Contains("tmpfs ./tmp mode=1777,size=268435456", ops);
        Assert.Contains("attach #8 ./data", ops);
        Assert.Equal(["set-attr ./dev ReadOnly", "set-attr . ReadOnly", "pivot_root ."], ops.TakeLast(3));
    }

    [Fact]
    public void WithoutANetNamespaceTheChrootsSysIsBound()
    {
        var ops = Ops(Spec(s => s with { Namespaces = Defaults.Namespaces & ~Namespaces.Net }), new FakeHost { Kinds = { ["/sys"] = EntryKind.Directory } });
        Assert.Contains("clone-tree #3 /sys (recursive)", ops);
        Assert.DoesNotContain("sysfs ./sys", ops);
    }

    [Fact]
    public void UserMountPointsAreCreatedOnlyInsideTheSandboxsOwnMounts()
    {
        var spec = Spec(s => s with
        {
            Mounts =
            [
                new MountSpec("/srv/dir", "/work/deep/dir", true),   // under the skeleton: created
                new MountSpec("/srv/file", "/tmp/in/file", false),   // under /tmp: created, as a file
                new MountSpec("/srv/dir", "/usr/share/x", false),    // under the chroot's /usr: must exist
                new MountSpec(null, "/etc/scratch", false, 1 << 20), // under /etc: must exist
            ],
        });
        var ops = Ops(spec);
        string tail = string.Join("\n", ops.SkipWhile(o => o != "attach #8 ./data").Skip(1));
        Assert.Equal(string.Join("\n",
            "mkdir ./work", "mkdir ./work/deep", "mkdir ./work/deep/dir", "attach #9 ./work/deep/dir",
            "mkdir ./tmp/in", "mkfile ./tmp/in/file", "attach #10 ./tmp/in/file",
            "require ./usr/share/x", "attach #11 ./usr/share/x",
            "require ./etc/scratch", "tmpfs ./etc/scratch mode=1777,size=1048576",
            "set-attr ./dev ReadOnly", "set-attr . ReadOnly", "pivot_root ."), tail);
    }

    [Fact]
    public void EnvironmentIsCleanUnlessKept()
    {
        var host = new FakeHost();
        Assert.Equal(["PATH=" + Defaults.Path, "HOME=/data"], EnvironmentPlanner.Build(new EnvSpec(), host));
        var env = new EnvSpec { Entries = [new("TERM", null), new("MISSING", null), new("HOME", "/h"), new("A", "b=c")] };
        Assert.Equal(["PATH=" + Defaults.Path, "TERM=xterm", "HOME=/h", "A=b=c"], EnvironmentPlanner.Build(env, host));
        Assert.Equal(["SECRET=s", "TERM=xterm"], EnvironmentPlanner.Build(new EnvSpec { KeepAll = true }, host));
    }

    [Fact]
    public void CommandsAreLookedUpOnTheSandboxsPath()
    {
        Assert.Equal(["./x"], EnvironmentPlanner.ExecCandidates("./x", []));
        Assert.Equal(["/a/ls", "/b/ls"], EnvironmentPlanner.ExecCandidates("ls", ["PATH=/a:relative:/b/"]));
        Assert.Equal(Defaults.Path.Split(':').Select(d => d + "/sh"), EnvironmentPlanner.ExecCandidates("sh", ["HOME=/data"]));
    }

    [Fact]
    public void RlimitsResolveToConcreteValues()
    {
        var spec = Spec(s => s with
        {
            Rlimits = [new(RlimitResource.Nofile, RlimitKind.Soft), new(RlimitResource.Stack, RlimitKind.Hard),
                new(RlimitResource.Cpu, RlimitKind.Infinity), new(RlimitResource.As, RlimitKind.Value, 7)],
        });
        var plan = TestPlans.Stage2(spec);
        Assert.Equal([new RlimitOp(RlimitResource.Nofile, 1024, 1024), new RlimitOp(RlimitResource.Stack, 4096, 4096),
            new RlimitOp(RlimitResource.Cpu, ulong.MaxValue, ulong.MaxValue), new RlimitOp(RlimitResource.As, 7, 7)], plan.Rlimits);
    }
}
