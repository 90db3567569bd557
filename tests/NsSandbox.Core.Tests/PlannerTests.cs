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
        Assert.True(At("mkdir ./dev") < At("tmpfs ./dev mode=0755,size=64k noexec"));
        Assert.True(At("tmpfs ./dev mode=0755,size=64k noexec") < At("mkfile ./dev/null"));
        Assert.Contains("symlink ./dev/fd -> /proc/self/fd", ops);
        Assert.Contains("tmpfs ./dev/shm mode=1777,size=268435456", ops);
        Assert.Contains("proc ./proc ro", ops);
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
        var host = new FakeHost();
        host.Directories["/usr"] = [new("bin", EntryKind.Directory), new("lib64", EntryKind.Symlink, "lib"), new("share", EntryKind.Directory)];
        var spec = Spec(s => s with
        {
            Mounts =
            [
                new MountSpec("/srv/dir", "/work/deep/dir", true),   // under the skeleton: created
                new MountSpec("/srv/file", "/tmp/in/file", false),   // under /tmp: created, as a file
                new MountSpec("/srv/dir", "/usr/bin", false),        // exists in the chroot's /usr: required
            ],
        });
        var ops = Ops(spec, host);
        string tail = string.Join("\n", ops.SkipWhile(o => o != "attach #8 ./data").Skip(1));
        Assert.Equal(string.Join("\n",
            "mkdir ./work", "mkdir ./work/deep", "mkdir ./work/deep/dir", "attach #9 ./work/deep/dir",
            "mkdir ./tmp/in", "mkfile ./tmp/in/file", "attach #10 ./tmp/in/file",
            "require ./usr/bin", "attach #11 ./usr/bin",
            "set-attr ./dev ReadOnly", "set-attr . ReadOnly", "pivot_root ."), tail);
    }

    [Fact]
    public void AMountPointMissingBelowAReadOnlyHostDirectoryIsMadeInAShadowOfIt()
    {
        var host = new FakeHost();
        host.Directories["/usr"] = [new("bin", EntryKind.Directory), new("lib64", EntryKind.Symlink, "lib"), new("share", EntryKind.Directory)];
        host.Owners["/usr"] = new HostOwner(0x1E8, 0, 0); // 0750 root:root: nobody gets the "other" bits, none
        var spec = Spec(s => s with
        {
            Mounts =
            [
                new MountSpec("/srv/dir", "/usr/share/x", false),    // /usr/share exists, x does not: shadow /usr/share
                new MountSpec(null, "/usr/new/deep", false, 1 << 20), // /usr/new does not: shadow /usr
            ],
        });
        var ops = Ops(spec, host);
        string tail = string.Join("\n", ops.SkipWhile(o => o != "attach #8 ./data").Skip(1));
        Assert.Equal(string.Join("\n",
            // /usr/share is empty: the shadow holds nothing but the new mount point. Its bits are what 0755
            // root:root grants the sandbox's user (other: r-x), for everyone.
            "mkdir ./.nssandbox-shadow", "tmpfs ./.nssandbox-shadow mode=0555,size=1048576",
            "move ./.nssandbox-shadow ./usr/share",
            "mkdir ./usr/share/x", "attach #9 ./usr/share/x",
            // /usr's entries bound again (/usr/share with its shadow and mounts), its symlink made anew.
            "tmpfs ./.nssandbox-shadow mode=0000,size=1052672",
            "mkdir ./.nssandbox-shadow/bin", "clone-tree #10 ./usr/bin (recursive)", "attach #10 ./.nssandbox-shadow/bin",
            "symlink ./.nssandbox-shadow/lib64 -> lib",
            "mkdir ./.nssandbox-shadow/share", "clone-tree #11 ./usr/share (recursive)", "attach #11 ./.nssandbox-shadow/share",
            "move ./.nssandbox-shadow ./usr",
            "mkdir ./usr/new", "mkdir ./usr/new/deep", "tmpfs ./usr/new/deep mode=1777,size=1048576",
            // Both shadows sealed read-only; the staging entry goes.
            "set-attr ./usr ReadOnly", "set-attr ./usr/share ReadOnly", "rmdir ./.nssandbox-shadow",
            "set-attr ./dev ReadOnly", "set-attr . ReadOnly", "pivot_root ."), tail);
    }

    [Fact]
    public void AMountPointMissingInAWritableHostDirectoryIsRefusedNotMadeThere()
    {
        var spec = Spec(s => s with { ReadWrite = true, Mounts = [new MountSpec("/srv/dir", "/usr/x", false)] });
        var e = Assert.Throws<SpecException>(() => Ops(spec));
        Assert.Contains("mount point /usr/x does not exist, and /usr is a writable host directory", e.Message);
        // An optional mount is left out instead.
        var optional = Spec(s => s with { ReadWrite = true, Mounts = [new MountSpec("/srv/dir", "/usr/x", false, Optional: true)] });
        Assert.DoesNotContain(Ops(optional), o => o.Contains("/usr/x"));
    }

    [Fact]
    public void TargetsResolveThroughTheSandboxsTreeIncludingLinksMadeByEarlierMounts()
    {
        var host = new FakeHost();
        host.Directories["/srv/dir"] = [new("up", EntryKind.Symlink, "../../../etc"), new("sub", EntryKind.Directory)];
        var spec = Spec(s => s with
        {
            Mounts =
            [
                new MountSpec("/srv/dir", "/opt/d", true),
                // Through the bind's own link: the sandbox's /etc, never the host's (and /etc's new entry needs a shadow).
                new MountSpec(null, "/opt/d/up/made", false, 1 << 20),
                new MountSpec("/etc", "/l", false) { Type = MountType.Symlink },
                new MountSpec("/srv/file", "/l/through-link", true),
            ],
        });
        var ops = Ops(spec, host);
        Assert.Contains("move ./.nssandbox-shadow ./etc", ops);
        Assert.Contains("tmpfs ./etc/made mode=1777,size=1048576", ops);
        Assert.Contains("symlink ./l -> /etc", ops);
        Assert.Contains("mkfile ./etc/through-link", ops);
        Assert.DoesNotContain(ops, o => o.Contains("./opt/d/up") || o.Contains("./l/"));
    }

    [Fact]
    public void AShadowGrantsWhatTheOriginalGrantsTheSandboxsUser()
    {
        var host = new FakeHost();
        host.Owners["/usr"] = new HostOwner(0x1F8, 1000, 2000); // 0770 1000:2000
        string Shadow(uint outsideUid, uint outsideGid) =>
            FilesystemPlanner.Build(Spec(s => s with { Mounts = [new MountSpec(null, "/usr/x", false)] }), 65534, 65534, Paths, host,
                    new UserMapping([new IdMap(65534, outsideUid, 1)], [new IdMap(65534, outsideGid, 1)], false))
                .Select(o => o.ToString()).First(o => o.StartsWith("tmpfs ./.nssandbox-shadow", StringComparison.Ordinal));
        Assert.StartsWith("tmpfs ./.nssandbox-shadow mode=0777,", Shadow(1000, 1));   // the owner: rwx
        Assert.StartsWith("tmpfs ./.nssandbox-shadow mode=0777,", Shadow(5, 2000));   // the group: rwx
        Assert.StartsWith("tmpfs ./.nssandbox-shadow mode=0000,", Shadow(5, 5));      // others: nothing
        Assert.StartsWith("tmpfs ./.nssandbox-shadow mode=0770,", Shadow(0, 0));      // root: the bits as they are
    }

    [Fact]
    public void MountPointsThatCannotBeMadeAreRefusedOrLeftOutWhenOptional()
    {
        var spec = Spec(s => s with { Mounts = [new MountSpec(null, "/version/x", false)] });
        Assert.Contains("mount point /version/x: /version is not a directory", Assert.Throws<SpecException>(() => Ops(spec)).Message);
        var optional = Spec(s => s with { Mounts = [new MountSpec(null, "/version/x", false, Optional: true)] });
        Assert.DoesNotContain(Ops(optional), o => o.Contains("/version/x"));
        var onProc = Spec(s => s with { Mounts = [new MountSpec("/x", "/proc/x", false) { Type = MountType.Symlink }] });
        Assert.Contains("is not a tree the sandbox makes entries in", Assert.Throws<SpecException>(() => Ops(onProc)).Message);
        // A target that a link leads to something the sandbox provides is refused as that target would be.
        var overDev = Spec(s => s with { Mounts = [new MountSpec("/dev", "/d", false) { Type = MountType.Symlink }, new MountSpec(null, "/d", false)] });
        Assert.Contains("mount target /d is /dev, which the sandbox provides", Assert.Throws<SpecException>(() => Ops(overDev)).Message);
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
