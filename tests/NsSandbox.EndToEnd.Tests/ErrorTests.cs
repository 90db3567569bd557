namespace NsSandbox.EndToEnd.Tests;

/// <summary>Bad input never half-runs: one clear line, a distinct exit code, nothing left behind.</summary>
public sealed class ErrorTests : IDisposable
{
    private readonly Launcher _nss = new();

    public void Dispose() => _nss.Dispose();

    // One case per layer that refuses input (the flag parser, the spec's validation, a mode's rule, the planner's
    // host checks, the policy compiler); every message is checked without the binary in Core.Tests' SpecErrorTests.
    [Theory]
    [InlineData("--no-such-flag", "--no-such-flag: unknown flag")]
    [InlineData("--bindmount=/tmp:relative", "mount target relative is not an absolute path")]
    [InlineData("--mode=e", "add --disable_proc")]
    [InlineData("--chroot=/does/not/exist", "--chroot: /does/not/exist is not a directory")]
    [InlineData("--seccomp_string=USE x DEFAULT KILL", "--seccomp_string:1:")]
    public void UsageErrorsGiveOneLineAndCode125(string flag, string message)
    {
        Require.Root();
        var r = _nss.RunRaw(["--state_dir", _nss.StateDir, flag, "--", "/bin/true"]);
        Assert.Equal(125, r.ExitCode);
        Assert.Equal("", r.Stdout);
        string line = Assert.Single(r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("nssandbox: ", line);
        Assert.Contains(message, line);
        Assert.False(Directory.Exists(Path.Combine(_nss.StateDir, "runs")), "a usage error must create nothing");
    }

    [Fact]
    public void MissingCommandIsAUsageError()
    {
        Require.Root();
        var r = _nss.RunRaw(["--state_dir", _nss.StateDir]);
        Assert.Equal(125, r.ExitCode);
        Assert.Contains("no command to run", r.Stderr);
    }

    [Fact]
    public void MissingBindSourceIsASetupErrorNamingThePath()
    {
        Require.Root();
        var r = _nss.Run(["--bindmount_ro", "/nonexistent/source:/x"], "/bin/true");
        Assert.Equal(126, r.ExitCode);
        Assert.Equal("nssandbox: bind mount /nonexistent/source: No such file or directory\n", r.Stderr);
        Assert.Equal("setup-error", r.ReportString("reason"));
        var error = r.Report!.Value.GetProperty("error");
        Assert.Equal(2, error.GetProperty("errno").GetInt32());
        Assert.Equal("/nonexistent/source", error.GetProperty("path").GetString());
    }

    [Fact]
    public void MissingMountPointInAWritableHostTreeIsRefusedNotCreated()
    {
        Require.Root();
        // With --rw the chroot's /usr is writable: the mount point would have to be made on the host. (Below a
        // read-only directory it is made in a shadow of it: MountKindsTests.)
        var r = _nss.Run(["--rw", "--bindmount_ro", "/etc:/usr/no-such-dir-here"], "/bin/true");
        Assert.Equal(125, r.ExitCode);
        Assert.Contains("mount point /usr/no-such-dir-here does not exist, and /usr is a writable host directory", r.Stderr);
        Assert.False(Directory.Exists("/usr/no-such-dir-here"));
    }

    [Fact]
    public void CommandNotFoundGives127()
    {
        Require.Root();
        var r = _nss.Run([], "no-such-command-anywhere");
        Assert.Equal(127, r.ExitCode);
        Assert.Contains("execve no-such-command-anywhere: No such file or directory", r.Stderr);
    }

    [Fact]
    public void CommandNotExecutableGives126()
    {
        Require.Root();
        var r = _nss.Run([], "/etc");
        Assert.Equal(126, r.ExitCode);
        Assert.Contains("Permission denied", r.Stderr);
    }

    [Fact]
    public void HelpListsEveryFlagWithItsDefault()
    {
        Require.Root();
        var r = _nss.RunRaw(["--help"]);
        Assert.Equal(0, r.ExitCode);
        foreach (string flag in new[] { "--mode", "--chroot", "--rw", "--user", "--group", "--hostname", "--time_limit",
                     "--env", "--keep_env", "--disable_proc", "--bindmount_ro", "--bindmount", "--tmpfsmount", "--report",
                     "--rlimit_as", "--rlimit_cpu", "--rlimit_fsize", "--rlimit_nofile", "--rlimit_nproc", "--rlimit_stack",
                     "--rlimit_core", "--rlimit_data", "--disable_clone_newnet", "--disable_clone_newuser" })
            Assert.Matches($@"(?m)^ .*{flag}\b.*\[[^\]]+\]$", r.Stdout);
    }

    [Fact]
    public void KebabCaseSpellingsWork()
    {
        Require.Root();
        var r = _nss.RunRaw(["--state_dir", _nss.StateDir, "--time-limit", "5", "--rlimit-nofile=32", "--", "/bin/sh", "-c", "ulimit -n"]);
        Assert.Equal("32\n", r.Stdout);
    }
}
