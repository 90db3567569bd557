using NsSandbox.Core.Plan;
using NsSandbox.Frontends.Cli;

namespace NsSandbox.Core.Tests;

/// <summary>The message a bad command line gets, as the launcher prints it after "nssandbox: ": from the front
/// end, the spec's validation or the planner's checks against the host, before anything is created. (The
/// end-to-end tests prove the binary prints one such line and exits 125.)</summary>
public sealed class SpecErrorTests
{
    private static string Error(params string[] args)
    {
        var e = Assert.Throws<SpecException>(() =>
        {
            var parsed = ArgParser.Parse([.. args, "--", "/bin/true"]);
            var options = parsed.Builder.Mode == RunMode.Execve ? PlanOptions.Execve : PlanOptions.Once;
            Planner.Create(parsed.Builder.Build(), new RealHostView(), options);
        });
        return $"{e.Origin}: {e.Message}";
    }

    [Theory]
    [InlineData("--no-such-flag", "--no-such-flag: unknown flag")]
    [InlineData("--time_limt", "did you mean --time_limit?")]
    [InlineData("--rlimit_as=lots", "--rlimit_as: 'lots' is not a limit: a number of MiB, a size (512M, 8G), or inf, soft, hard")]
    [InlineData("-Mx", "-M: unknown mode 'x'")]
    [InlineData("--chroot=/does/not/exist", "--chroot: /does/not/exist is not a directory")]
    [InlineData("--data=/does/not/exist", "--data: /does/not/exist is not a directory")]
    [InlineData("--user=no-such-user-here", "--user: no user named 'no-such-user-here' in /etc/passwd")]
    [InlineData("--group=no-such-group-here", "--group: no group named 'no-such-group-here' in /etc/group")]
    [InlineData("--tmp_size=12Q", "--tmp_size: '12Q' is not a size")]
    [InlineData("--bindmount=/tmp:relative", "mount target relative is not an absolute path")]
    [InlineData("--bindmount=/tmp:/proc", "cannot mount over /proc: the sandbox provides it")]
    [InlineData("--mode=e", "add --disable_proc")]
    [InlineData("--disable_clone_newns", "the mount namespace cannot be disabled")]
    [InlineData("--seccomp_string=USE x DEFAULT KILL", "--seccomp_string:1:")]
    public void EachBadInputNamesItsFlagAndTheProblem(string flag, string message) => Assert.Contains(message, Error(flag));

    /// <summary>An empty value crashed the launcher where a setting's path went to the path API unchecked
    /// (--report_dir '', --seccomp_oci ''): every flag that takes a value either takes the empty one or refuses it
    /// with a usage error naming the flag, through the front end, the spec, mode listen's settings and the plan.</summary>
    [Fact]
    public void NoFlagCrashesOnAnEmptyValue()
    {
        var crashes = new List<string>();
        foreach (var flag in FlagTable.All.Where(f => f.TakesValue))
        {
            try
            {
                var parsed = ArgParser.Parse(["--" + flag.Name, "", "--", "/bin/true"]);
                var spec = parsed.Builder.Build();
                parsed.Builder.BuildListen();
                var options = parsed.Builder.Mode == RunMode.Execve ? PlanOptions.Execve : PlanOptions.Once;
                Planner.Create(spec, new RealHostView(), options);
            }
            catch (SpecException e)
            {
                Assert.Contains(flag.Name, e.Origin);
            }
            catch (Exception e)
            {
                crashes.Add($"--{flag.Name} '': {e.GetType().Name}: {e.Message}");
            }
        }
        Assert.Empty(crashes);
    }

    [Fact]
    public void UserNamesResolveInTheChrootsPasswd()
    {
        var host = new FakeHost();
        host.Files["/etc/passwd"] = ["root:x:0:0::/root:/bin/sh", "app:x:1234:1234::/home/app:/bin/sh"];
        host.Files["/etc/group"] = ["app:x:4321:"];
        var plan = Planner.Create(new SandboxSpec { Command = ["/bin/true"], User = "app", Group = "app", StateDir = "/s" }, host, PlanOptions.Once);
        Assert.Equal((1234u, 4321u), (plan.Stage2.Uid, plan.Stage2.Gid));
        Assert.Equal(1234u, plan.ReportSandbox.Uid);
    }

    [Fact]
    public void WithoutAUserNamespaceOnlyRootMayRun()
    {
        var spec = new SandboxSpec { Command = ["/bin/true"], StateDir = "/s", Namespaces = Defaults.Namespaces & ~Namespaces.User };
        var e = Assert.Throws<SpecException>(() => Planner.Create(spec, new FakeHost { EffectiveUid = 1000 }, PlanOptions.Once));
        Assert.Equal("--disable_clone_newuser", e.Origin);
        Assert.NotNull(Planner.Create(spec, new FakeHost { EffectiveUid = 0 }, PlanOptions.Once));
    }

    [Fact]
    public void TheStateDirectoryDefaultsPerUser()
    {
        var root = new FakeHost { EffectiveUid = 0 };
        Assert.Equal("/var/lib/nssandbox/runs/r", TestPlans.For(new SandboxSpec { Command = ["x"] }, root).Paths.RunDir);
        var user = new FakeHost { EffectiveUid = 1000 };
        user.Env["HOME"] = "/home/u";
        Assert.Equal("/home/u/.local/state/nssandbox/runs/r", TestPlans.For(new SandboxSpec { Command = ["x"] }, user).Paths.RunDir);
        user.Env["XDG_STATE_HOME"] = "/xdg";
        Assert.Equal("/xdg/nssandbox/runs/r", TestPlans.For(new SandboxSpec { Command = ["x"] }, user).Paths.RunDir);
    }
}
