using NsSandbox.Core.Plan;

namespace NsSandbox.Core.Tests.Nsjail;

/// <summary>Mount targets that cross symlinks resolve inside the sandbox's root, never on the host.</summary>
public sealed class SandboxPathsTests
{
    private static readonly IReadOnlySet<string> Reserved = FilesystemPlanner.Reserved;

    private static string Resolve(string target, FakeHost host) => SandboxPaths.Resolve(target, "/root", Reserved, host, "--bindmount");

    [Fact]
    public void MergedUsrLinksLeadIntoUsr()
    {
        var host = new FakeHost();
        host.Symlinks["/root/lib"] = "usr/lib";
        host.Symlinks["/root/lib64"] = "/usr/lib64";
        Assert.Equal("/usr/lib", Resolve("/lib", host));
        Assert.Equal("/usr/lib64/x", Resolve("/lib64/x", host));
        Assert.Equal("/usr/lib/a", Resolve("/lib/../lib/./a", host));
    }

    [Fact]
    public void AHostileChrootsLinkToAHostPathStaysInsideTheSandbox()
    {
        var host = new FakeHost();
        host.Symlinks["/root/evil"] = "/etc";           // absolute: the sandbox's /etc, not the host's
        host.Symlinks["/root/up"] = "../../../../etc";  // climbing stops at the sandbox's root
        Assert.Equal("/etc/x", Resolve("/evil/x", host));
        Assert.Equal("/etc/x", Resolve("/up/x", host));
    }

    [Fact]
    public void TheSandboxsOwnDirectoriesAreNotLookedUpInTheChroot()
    {
        var host = new FakeHost();
        host.Symlinks["/root/tmp"] = "/etc";
        Assert.Equal("/tmp/x", Resolve("/tmp/x", host));
    }

    [Fact]
    public void ALinkLoopIsAnError()
    {
        var host = new FakeHost();
        host.Symlinks["/root/a"] = "b";
        host.Symlinks["/root/b"] = "a";
        Assert.Contains("too many levels of symbolic links", Assert.Throws<SpecException>(() => Resolve("/a/x", host)).Message);
    }

    [Fact]
    public void AnEmptyRootHasNoLinks() => Assert.Equal("/lib", SandboxPaths.Resolve("/lib", null, Reserved, new FakeHost(), "o"));
}
