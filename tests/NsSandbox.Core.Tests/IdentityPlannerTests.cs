using NsSandbox.Core.Plan;
using NsSandbox.Frontends.Cli;

namespace NsSandbox.Core.Tests;

/// <summary>The sandbox's ids and its user namespace's maps: nsjail's inside:outside:count ranges, names resolved
/// inside the sandbox's root or on the host, and the kernel's rules checked before a run (the end-to-end tests in
/// IdMappingTests prove the kernel agrees).</summary>
public sealed class IdentityPlannerTests
{
    private static FakeHost Host(uint euid = 0, uint egid = 0)
    {
        var host = new FakeHost { EffectiveUid = euid, EffectiveGid = egid };
        host.Files["/srv/root/etc/passwd"] = ["root:x:0:0::/root:/bin/sh", "judge:x:1500:1500::/:/bin/sh"];
        host.Files["/srv/root/etc/group"] = ["root:x:0:", "judge:x:1500:"];
        host.Files["/etc/passwd"] = ["root:x:0:0::/root:/bin/sh", "worker:x:4242:4243::/:/bin/sh", "judge:x:9999:9999::/:/bin/sh"];
        host.Files["/etc/group"] = ["root:x:0:", "workers:x:4243:"];
        host.Kinds["/srv/root"] = EntryKind.Directory;
        return host;
    }

    private static IdentityPlanner.Identity Plan(FakeHost host, params string[] flags) =>
        IdentityPlanner.Plan(ArgParser.Parse([.. flags, "--", "/bin/true"]).Builder.Build(), host);

    private static string Error(FakeHost host, params string[] flags)
    {
        var e = Assert.Throws<SpecException>(() => Plan(host, flags));
        return $"{e.Origin}: {e.Message}";
    }

    private static string Maps(IReadOnlyList<IdMap> maps) => string.Concat(maps);

    [Fact]
    public void RootMapsTheSandboxUserToNobodyAndMayAllowSetgroups()
    {
        var id = Plan(Host(), "--user", "1000", "--group", "1001");
        Assert.Equal((1000u, 1001u), (id.Uid, id.Gid));
        Assert.Equal("1000 65534 1\n", id.Users!.UidMapText);
        Assert.Equal("1001 65534 1\n", id.Users.GidMapText);
        Assert.True(id.Users.AllowSetgroups);
        Assert.Empty(id.Warnings);
    }

    [Fact]
    public void AnUnprivilegedLauncherMapsItsOwnIdsAndDeniesSetgroups()
    {
        var id = Plan(Host(1000, 100));
        Assert.Equal("65534 1000 1\n", id.Users!.UidMapText);
        Assert.Equal("65534 100 1\n", id.Users.GidMapText);
        Assert.False(id.Users.AllowSetgroups);
    }

    [Fact]
    public void NsjailsUserFormMapsAChosenOutsideId()
    {
        var id = Plan(Host(), "--user", "1000:4242", "--group", "1000:4243");
        Assert.Equal((1000u, 1000u), (id.Uid, id.Gid));
        Assert.Equal("1000 4242 1\n", id.Users!.UidMapText);
        Assert.Equal("1000 4243 1\n", id.Users.GidMapText);
    }

    [Fact]
    public void RangesAreWrittenInOrderAndTheUserRunsAsTheFirstInsideId()
    {
        var id = Plan(Host(), "-U", "0:100000:1000", "-U", "5000:200000:10", "-G", "0:100000:1000");
        Assert.Equal((0u, 0u), (id.Uid, id.Gid));
        Assert.Equal("0 100000 1000\n5000 200000 10\n", id.Users!.UidMapText);
        Assert.Equal("0 100000 1000\n", id.Users.GidMapText);
        Assert.Empty(id.Warnings);
    }

    [Fact]
    public void AUserOutsideTheRangesIsMappedToNobodyBeforeThem()
    {
        var id = Plan(Host(), "--user", "3000", "-U", "0:100000:1000");
        Assert.Equal(3000u, id.Uid);
        Assert.Equal("3000 65534 1\n0 100000 1000\n", id.Users!.UidMapText);
        // A user the ranges hold needs no line of its own.
        Assert.Equal("0 100000 1000\n", Plan(Host(), "--user", "7", "-U", "0:100000:1000").Users!.UidMapText);
    }

    [Fact]
    public void InsideNamesComeFromTheRootsEtcAndOutsideNamesFromTheHosts()
    {
        var id = Plan(Host(), "--chroot", "/srv/root", "--user", "judge:worker", "--group", "judge:workers");
        Assert.Equal((1500u, 1500u), (id.Uid, id.Gid));
        Assert.Equal("1500 4242 1\n", id.Users!.UidMapText);
        Assert.Equal("1500 4243 1\n", id.Users.GidMapText);
        Assert.Contains("no user named 'worker' in /srv/root/etc/passwd", Error(Host(), "--chroot", "/srv/root", "--user", "worker:worker"));
    }

    [Fact]
    public void AnEmptyInsideIdIsTheLaunchersOwnAsInNsjail()
    {
        var id = Plan(Host(), "-U", ":4242:1");
        Assert.Equal(0u, id.Uid);
        Assert.Equal("0 4242 1\n", id.Users!.UidMapText);
    }

    [Fact]
    public void MappingTheHostsRootIsExplicitAndWarnedOf()
    {
        var uid = Plan(Host(), "--user", "0:0");
        Assert.Equal("0 0 1\n", uid.Users!.UidMapText);
        Assert.Equal(["warning: the host's root user (uid 0) is mapped into the sandbox (--user): what runs as it there has root's access to the host's files it can reach"],
            uid.Warnings);
        var both = Plan(Host(), "-U", "0:root:1", "-G", "0:0:1");
        Assert.Single(both.Warnings);
        Assert.Contains("root user and group (uid 0, gid 0) are mapped into the sandbox (-U, -G)", both.Warnings[0]);
        // Nothing but an explicit outside id reaches root: the defaults never do.
        Assert.Empty(Plan(Host(), "--user", "0", "--group", "0").Warnings);
    }

    [Theory]
    [InlineData(new[] { "-U", "0:100000:10", "-U", "5:200000:10" }, "-U: the uid range 5:200000:10 overlaps 0:100000:10 on the inside side")]
    [InlineData(new[] { "-U", "0:100000:10", "-U", "20:100005:10" }, "-U: the uid range 20:100005:10 overlaps 0:100000:10 on the host side")]
    [InlineData(new[] { "--user", "3000", "-U", "0:65530:10" }, "the sandbox's uid maps to 65534 unless a range holds it")]
    [InlineData(new[] { "-U", "0::10" }, "-U: a range of 10 uids needs the outside uid it starts at")]
    [InlineData(new[] { "-U", "0:4294967290:10" }, "runs past the largest uid (4294967294)")]
    [InlineData(new[] { "-U", "0:1:x" }, "-U: 'x' in '0:1:x' is not a count of ids")]
    [InlineData(new[] { "-U", "1:2:3:4" }, "-U: '1:2:3:4' is not INSIDE:OUTSIDE:COUNT")]
    [InlineData(new[] { "-G", "0:nosuchgroup" }, "-G: no group named 'nosuchgroup' in /etc/group")]
    [InlineData(new[] { "--user", "4294967295" }, "--user: 4294967295 is not a valid id (it is -1)")]
    public void TheKernelsRulesAreCheckedBeforeARun(string[] flags, string message) => Assert.Contains(message, Error(Host(), flags));

    [Fact]
    public void AnUnprivilegedLauncherCanMapOnlyItsOwnIds()
    {
        Assert.Equal("5 1000 1\n", Plan(Host(1000, 100), "-U", "5:1000:1").Users!.UidMapText);
        Assert.Contains("-U: an unprivileged launcher can map only its own uid (1000), once", Error(Host(1000, 100), "-U", "0:100000:10"));
        Assert.Contains("--group: an unprivileged launcher can map only its own gid (100)", Error(Host(1000, 100), "--group", "5:0"));
    }

    [Fact]
    public void TooManyRangesAreRefused()
    {
        var flags = Enumerable.Range(0, IdentityPlanner.MaxRanges + 1).SelectMany(i => new[] { "-U", $"{i * 10}:{100000 + i * 10}:10" }).ToArray();
        Assert.Contains("more than 340 uid ranges", Error(Host(), flags));
    }

    [Fact]
    public void WithoutAUserNamespaceThereAreNoMaps()
    {
        Assert.Null(Plan(Host(), "--disable_clone_newuser", "--user", "7").Users);
        Assert.Contains("-U: id maps need a user namespace", Error(Host(), "--disable_clone_newuser", "-U", "0:1:1"));
    }

    [Fact]
    public void ThePlanOwnsDataAsTheOutsideIdAndReportsTheMaps()
    {
        var spec = ArgParser.Parse(["-U", "0:100000:1000", "--user", "7", "--", "/bin/true"]).Builder.Build() with { StateDir = "/state" };
        var plan = TestPlans.For(spec, Host());
        Assert.Equal(100007u, plan.DataUid);
        Assert.Equal(65534u, plan.DataGid);
        Assert.Equal([new ReportIdMap(0, 100000, 1000)], plan.ReportSandbox.UidMap);
        Assert.Equal([new ReportIdMap(65534, 65534, 1)], plan.ReportSandbox.GidMap);
    }
}
