using NsSandbox.EndToEnd.Tests;

namespace NsSandbox.Reliability.Tests;

/// <summary>The crashes issue 20 found: an empty value for a path crashed the launcher with a .NET exception and
/// SIGABRT. Each is now exit 125 and one line naming the flag, with nothing created.</summary>
public sealed class EmptyValueTests : IDisposable
{
    private readonly RunScope _scope = new();

    public void Dispose() => _scope.Dispose();

    [Theory]
    [InlineData("--config", "--config: expects a path; the value is empty")]
    [InlineData("--seccomp_policy", "--seccomp_policy: expects a path; the value is empty")]
    [InlineData("--report", "--report: expects a path; the value is empty")]
    [InlineData("--report_dir", "--report_dir: expects a path; the value is empty")]
    [InlineData("--seccomp_oci", "--seccomp_oci: expects a path; the value is empty")]
    [InlineData("--data", "--data: expects a path; the value is empty")]
    [InlineData("--state_dir", "--state_dir: expects a path; the value is empty")]
    [InlineData("--cgroupv2_mount", "--cgroupv2_mount: expects a path; the value is empty")]
    [InlineData("--log", "--log: expects a file")]
    [InlineData("--exec_file", "--exec_file: the file to execute is empty")]
    [InlineData("--cwd", "--cwd: expects a directory; the value is empty")]
    [InlineData("--bindmount", "--bindmount: expects SRC[:DST]")]
    [InlineData("--tmpfsmount", "--tmpfsmount: the mount target is empty")]
    [InlineData("--cgroup_parent", "--cgroup_parent: expects a cgroup path from the hierarchy's root (like /sandboxes); the value is empty")]
    [InlineData("--time_limit", "--time_limit: '' is not a duration")]
    public void AnEmptyValueIsAUsageError(string flag, string message) =>
        AssertRefused(["--state_dir", Path.Combine(_scope.WorkDir, "state"), flag, "", "--", "/bin/true"], message);

    [Fact]
    public void AnEmptyChrootIsNsjailsEmptyRoot()
    {
        Require.Root();
        // Not a path but the documented empty root (docs/config.md: fs.chroot = ""): only the mounts given.
        var r = Nss.Run([.. _scope.Flags(), "--chroot", "", "--bindmount_ro", "/bin", "--bindmount_ro", "/lib", "--bindmount_ro", "/lib64",
            "--bindmount_ro", "/usr", "--", "/bin/sh", "-c", "ls /"]);
        Assert.Equal(0, r.ExitCode);
        Assert.DoesNotContain("etc", r.Stdout.Split('\n'));
        _scope.AssertNothingLeft("a run in an empty root");
    }

    [Theory]
    [InlineData(new[] { "config", "check", "" }, "--config: expects a path; the value is empty")]
    [InlineData(new[] { "config", "show", "" }, "--config: expects a path; the value is empty")]
    [InlineData(new[] { "config", "import", "" }, "config import: expects a path; the value is empty")]
    [InlineData(new[] { "policy", "check", "" }, "policy: the policy file's name is empty")]
    [InlineData(new[] { "policy", "compile", "" }, "policy: the policy file's name is empty")]
    [InlineData(new[] { "policy", "explain", "", "read" }, "policy: the policy file's name is empty")]
    [InlineData(new[] { "cleanup", "--state_dir", "" }, "--state_dir: expects a path; the value is empty")]
    [InlineData(new[] { "oci", "--root", "", "list" }, "--root: the value is empty")]
    [InlineData(new[] { "oci", "--root=", "list" }, "--root: the value is empty")]
    [InlineData(new[] { "oci", "--log", "", "list" }, "--log: the value is empty")]
    [InlineData(new[] { "oci", "create", "--bundle", "", "c1" }, "create --bundle: the value is empty")]
    [InlineData(new[] { "oci", "create", "--pid-file", "", "c1" }, "create --pid-file: the value is empty")]
    [InlineData(new[] { "oci", "run", "--bundle", "", "c1" }, "run --bundle: the value is empty")]
    [InlineData(new[] { "oci", "exec", "--process", "", "c1" }, "exec --process: the value is empty")]
    [InlineData(new[] { "oci", "exec", "--cwd", "", "c1", "true" }, "exec --cwd: the value is empty")]
    public void AnEmptyValueToASubcommandIsAUsageError(string[] args, string message) => AssertRefused(args, message);

    private void AssertRefused(string[] args, string message)
    {
        string cwd = Path.Combine(_scope.WorkDir, "cwd");
        Directory.CreateDirectory(cwd);
        var r = Nss.Run(args, cwd: cwd);
        Assert.Equal(125, r.ExitCode);
        Assert.StartsWith($"nssandbox: {message}", r.Stderr);
        ExhaustionTests.AssertOneClearLine(r.Stderr);
        Assert.Empty(Directory.GetFileSystemEntries(cwd));
        Assert.False(Directory.Exists(Path.Combine(_scope.WorkDir, "state")));
    }
}
