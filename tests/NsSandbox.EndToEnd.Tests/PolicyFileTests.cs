namespace NsSandbox.EndToEnd.Tests;

/// <summary>The policies shipped in configs/policies, in real sandboxes: default.policy by its file (the same
/// text the binary embeds) and minimal.policy for compute-only jobs. Every refusal is checked against a run
/// without a filter, so it cannot pass because the call would have failed anyway.</summary>
public sealed class PolicyFileTests(SyscallProbe probe) : IClassFixture<SyscallProbe>, IDisposable
{
    private static readonly string Policies = Path.Combine(Launcher.RepositoryRoot, "configs", "policies");
    private readonly Launcher _nss = new();

    public void Dispose() => _nss.Dispose();

    [Fact]
    public void MinimalRunsAComputeJobAndRefusesFilesSocketsAndProcesses()
    {
        string binary = probe.RequireStatic();
        string[] refused = ["open_read", "socket_inet", "socket_unix", "fork", "uname"];
        string[] calls = ["compute", "thread", "getppid", .. refused];
        var r = _nss.Run([.. probe.BindFlags, "--seccomp_policy", Path.Combine(Policies, "minimal.policy")], [binary, .. calls]);
        Assert.Equal(0, r.ExitCode);
        var results = SyscallProbe.Results(r.Stdout);
        Assert.Equal("ok", results["compute"]);
        Assert.Equal("ok", results["thread"]);
        Assert.All(refused, c => Assert.Equal("errno 1", results[c]));

        var unfiltered = SyscallProbe.Results(_nss.Run([.. probe.BindFlags, "--disable_seccomp"], [binary, .. calls]).Stdout);
        Assert.Equal(results["checksum"], unfiltered["checksum"]);
        Assert.All(refused, c => Assert.Equal("ok", unfiltered[c]));
    }

    [Fact]
    public void MinimalCannotLoadSharedLibraries()
    {
        Require.Root();
        var r = _nss.Run(["--seccomp_policy", Path.Combine(Policies, "minimal.policy")], "/bin/true");
        Assert.Equal(127, r.ExitCode);
        Assert.Contains("cannot open shared object file: Operation not permitted", r.Stderr);
    }

    [Fact]
    public void DefaultPolicyFileRunsPythonShellLsAndGccBinaries()
    {
        probe.Require();
        string[] policy = ["--seccomp_policy", Path.Combine(Policies, "default.policy")];
        Assert.Equal((0, "1\n"), Pair(_nss.Run(policy, "python3", "-c", "print(1)")));
        Assert.Equal((0, "a b\n"), Pair(_nss.Sh("x=a; echo $x $(echo b)", policy)));
        var ls = _nss.Run(policy, "ls", "-la", "/");
        Assert.Equal(0, ls.ExitCode);
        Assert.Contains("proc", ls.Stdout);
        var r = _nss.Run([.. policy, .. probe.BindFlags], probe.InSandbox, "fork", "thread", "uname", "socket_inet", "open_read");
        Assert.Equal(0, r.ExitCode);
        Assert.All(SyscallProbe.Results(r.Stdout).Values, v => Assert.Equal("ok", v));
    }

    [Fact]
    public void DefaultPolicyFileRefusesNamespacesPtraceMountKeyctlAndBpf()
    {
        probe.Require();
        string[] calls = ["unshare_user", "ptrace", "mount", "keyctl", "bpf"];
        var filtered = SyscallProbe.Results(_nss.Run(
            ["--seccomp_policy", Path.Combine(Policies, "default.policy"), .. probe.BindFlags], [probe.InSandbox, .. calls]).Stdout);
        Assert.All(calls, c => Assert.Equal("errno 1", filtered[c]));
        var unfiltered = SyscallProbe.Results(_nss.Run(["--disable_seccomp", .. probe.BindFlags], [probe.InSandbox, .. calls]).Stdout);
        Assert.All(calls, c => Assert.NotEqual("errno 1", unfiltered[c]));
    }

    [Fact]
    public void ThePythonProfileRunsPythonUnderTheDefaultPolicy()
    {
        Require.Cgroup("memory"); // the profile limits memory
        var r = _nss.Run(["--config", Path.Combine(Launcher.RepositoryRoot, "configs", "python.toml")],
            "python3", "-c", "import socket, threading, subprocess; print(subprocess.run(['true']).returncode + 1)");
        Assert.Equal((0, "1\n"), Pair(r));
        Assert.Equal(Path.Combine(Policies, "default.policy"),
            r.Report!.Value.GetProperty("sandbox").GetProperty("seccomp_policy").GetString());
    }

    private static (int, string) Pair(LaunchResult r) => (r.ExitCode, r.Stdout);
}
