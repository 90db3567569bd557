using System.Diagnostics;

namespace NsSandbox.EndToEnd.Tests;

/// <summary>Seccomp enforcement in real sandboxes: policies from files and strings, ERRNO and KILL actions, the
/// violation in the report, --seccomp_log, policy errors, and the built-in default policy. Each refusal is
/// checked against a run without a filter, so a test cannot pass because the call would have failed anyway.</summary>
public sealed class SeccompTests(SyscallProbe probe) : IClassFixture<SyscallProbe>, IDisposable
{
    internal const string KillPtrace = "POLICY p { KILL { ptrace } } USE p DEFAULT ALLOW";
    private readonly Launcher _nss = new();

    public void Dispose() => _nss.Dispose();

    private LaunchResult Probe(IEnumerable<string> flags, params string[] calls) =>
        _nss.Run([.. probe.BindFlags, .. flags], [probe.InSandbox, .. calls]);

    [Fact]
    public void ErrnoActionFailsTheCallAndOthersRun()
    {
        probe.Require();
        var r = Probe(["--seccomp_string", "POLICY p { ERRNO(1) { getppid } } USE p DEFAULT ALLOW"], "uname", "getppid");
        Assert.Equal(0, r.ExitCode);
        var results = SyscallProbe.Results(r.Stdout);
        Assert.Equal("ok", results["uname"]);
        Assert.Equal("errno 1", results["getppid"]);
        Assert.Equal("--seccomp_string", r.Report!.Value.GetProperty("sandbox").GetProperty("seccomp_policy").GetString());
    }

    [Fact]
    public void KillIsReportedWithTheSyscallName()
    {
        probe.Require();
        string policy = Path.Combine(_nss.TempDir, "kill-ptrace.policy");
        File.WriteAllText(policy, "// ptrace ends the run\n" + KillPtrace + "\n");
        var r = Probe(["--seccomp_policy", policy], "uname", "ptrace", "getppid");
        Assert.Equal(128 + 31, r.ExitCode);
        Assert.Equal("uname: ok\n", r.Stdout); // nothing after the killed call ran
        Assert.Equal("nssandbox: seccomp: the command was killed for calling ptrace (101)\n", r.Stderr);
        Assert.Equal("seccomp", r.ReportString("reason"));
        Assert.Equal("SIGSYS", r.ReportString("signal_name"));
        var seccomp = r.Report!.Value.GetProperty("seccomp");
        Assert.Equal("ptrace", seccomp.GetProperty("syscall").GetString());
        Assert.Equal(101, seccomp.GetProperty("number").GetInt32());
        Assert.Equal("x86_64", seccomp.GetProperty("arch").GetString());
        Assert.Equal(policy, r.Report!.Value.GetProperty("sandbox").GetProperty("seccomp_policy").GetString());
    }

    [Fact]
    public void KillProcessFromAThreadEndsTheProgramAndIsReported()
    {
        probe.Require();
        var r = Probe(["--seccomp_string", "POLICY p { KILL_PROCESS { ptrace } } USE p DEFAULT ALLOW"], "uname", "thread_ptrace", "getppid");
        Assert.Equal(128 + 31, r.ExitCode);
        Assert.Equal("uname: ok\n", r.Stdout);
        Assert.Equal("seccomp", r.ReportString("reason"));
        Assert.Equal("ptrace", r.Report!.Value.GetProperty("seccomp").GetProperty("syscall").GetString());
    }

    [Fact]
    public void KillFromAThreadEndsOnlyThatThread()
    {
        probe.Require();
        // KILL is SECCOMP_RET_KILL_THREAD, as in nsjail: the kernel ends the calling thread, the program goes on.
        var r = Probe(["--seccomp_string", KillPtrace], "thread_ptrace", "getppid");
        Assert.Equal((0, "thread_ptrace: ok\ngetppid: ok\n"), (r.ExitCode, r.Stdout));
        Assert.Equal("exited", r.ReportString("reason"));
    }

    [Fact]
    public void SeccompLogLetsAKilledCallThrough()
    {
        probe.Require();
        var r = Probe(["--seccomp_string", "POLICY p { KILL { ptrace, mount } } USE p DEFAULT ALLOW", "--seccomp_log"],
            "ptrace", "mount", "getppid", "mount");
        Assert.Equal(0, r.ExitCode);
        // The calls ran: mount fails with the kernel's own ENOENT (no such mount point), not the filter's.
        Assert.Equal("ptrace: ok\nmount: errno 2\ngetppid: ok\nmount: errno 2\n", r.Stdout);
        Assert.Equal("exited", r.ReportString("reason"));
        Assert.True(r.Report!.Value.GetProperty("sandbox").GetProperty("seccomp_log").GetBoolean());
        // The kernel logged each call instead of killing; the launcher counts them from the audit records.
        var logged = r.Report!.Value.GetProperty("seccomp_logged").EnumerateArray()
            .Select(c => (c.GetProperty("syscall").GetString(), c.GetProperty("number").GetInt32(), c.GetProperty("count").GetInt32()));
        Assert.Equal([("ptrace", 101, 1), ("mount", 165, 2)], logged);
        Assert.Equal("nssandbox: seccomp_log: the policy would have killed: ptrace (101), mount (165) x2\n", r.Stderr);
    }

    [Fact]
    public void WithoutSeccompLogThereIsNoLoggedList()
    {
        probe.Require();
        var r = Probe(["--seccomp_string", "POLICY p { ERRNO(1) { getppid } } USE p DEFAULT ALLOW"], "getppid");
        Assert.False(r.Report!.Value.TryGetProperty("seccomp_logged", out _));
    }

    [Fact]
    public void SeccompLogKeepsErrnoActions()
    {
        probe.Require();
        var r = Probe(["--seccomp_string", "POLICY p { ERRNO(1) { getppid } } USE p DEFAULT KILL", "--seccomp_log"],
            "getppid", "uname");
        Assert.Equal(0, r.ExitCode);
        Assert.Equal("getppid: errno 1\nuname: ok\n", r.Stdout); // uname hit DEFAULT KILL, logged instead
    }

    [Fact]
    public void StringsMayUseThePoliciesOfTheFile()
    {
        probe.Require();
        string policy = Path.Combine(_nss.TempDir, "base.policy");
        File.WriteAllText(policy, "POLICY no_getppid { ERRNO(1) { getppid } }\n");
        var r = Probe(["--seccomp_policy", policy, "--seccomp_string", "USE no_getppid DEFAULT ALLOW"], "getppid", "uname");
        Assert.Equal("getppid: errno 1\nuname: ok\n", r.Stdout);
        Assert.Equal(policy + " + --seccomp_string", r.Report!.Value.GetProperty("sandbox").GetProperty("seccomp_policy").GetString());
    }

    [Fact]
    public void APolicyErrorIsAUsageErrorWithItsPositionAndCreatesNothing()
    {
        Require.Root();
        string policy = Path.Combine(_nss.TempDir, "broken.policy");
        File.WriteAllText(policy, "POLICY p {\n  ALLOW { read, write },\n  ALLOW { no_such_call }\n}\nUSE p DEFAULT KILL\n");
        var r = _nss.RunRaw(["--state_dir", _nss.StateDir, "--seccomp_policy", policy, "--", "/bin/true"]);
        Assert.Equal(125, r.ExitCode);
        Assert.Equal("", r.Stdout);
        string line = Assert.Single(r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith($"nssandbox: {policy}:3:11: ", line);
        Assert.Contains("no_such_call", line);
        Assert.False(Directory.Exists(Path.Combine(_nss.StateDir, "runs")), "a policy error must create nothing");
    }

    [Theory]
    [InlineData("POLICY p { ALLOW { read } }\nUSE p DEFAULT KIL", "--seccomp_string:2:")]
    [InlineData("ALLOW { read", "--seccomp_string:1:")]
    public void AStringErrorNamesTheStringLineAndColumn(string text, string position)
    {
        Require.Root();
        var r = _nss.RunRaw(["--state_dir", _nss.StateDir, "--seccomp_string", text, "--", "/bin/true"]);
        Assert.Equal(125, r.ExitCode);
        Assert.StartsWith("nssandbox: " + position, r.Stderr);
        Assert.False(Directory.Exists(Path.Combine(_nss.StateDir, "runs")));
    }

    [Fact]
    public void AMissingPolicyFileIsAUsageError()
    {
        Require.Root();
        var r = _nss.RunRaw(["--state_dir", _nss.StateDir, "--seccomp_policy", "/no/such.policy", "--", "/bin/true"]);
        Assert.Equal(125, r.ExitCode);
        Assert.Contains("/no/such.policy", r.Stderr);
        Assert.False(Directory.Exists(Path.Combine(_nss.StateDir, "runs")));
    }

    [Fact]
    public void DisableSeccompCannotBeCombinedWithAPolicy()
    {
        Require.Root();
        var r = _nss.RunRaw(["--state_dir", _nss.StateDir, "--disable_seccomp", "--seccomp_string", "DEFAULT ALLOW", "--", "/bin/true"]);
        Assert.Equal(125, r.ExitCode);
        Assert.Contains("--disable_seccomp: cannot be combined", r.Stderr);
    }

    [Fact]
    public void TheDefaultPolicyRunsOrdinaryPrograms()
    {
        probe.Require();
        var python = _nss.Run([], "python3", "-c", "print(1)");
        Assert.Equal((0, "1\n"), (python.ExitCode, python.Stdout));
        Assert.Equal("default", python.Report!.Value.GetProperty("sandbox").GetProperty("seccomp_policy").GetString());
        var sh = _nss.Sh("echo hi | cat; ls / > /dev/null && echo listed");
        Assert.Equal((0, "hi\nlisted\n"), (sh.ExitCode, sh.Stdout));
        var r = Probe([], "fork", "thread", "uname", "getppid", "socket_unix", "personality_query");
        Assert.Equal(0, r.ExitCode);
        Assert.All(SyscallProbe.Results(r.Stdout), kv => Assert.Equal("ok", kv.Value));
        Assert.Equal(6, SyscallProbe.Results(r.Stdout).Count);
    }

    [Fact]
    public void TheDefaultPolicyRefusesNamespacesTracingMountsKeyringsAndBpf()
    {
        probe.Require();
        string[] calls = ["clone_newuser", "unshare_user", "ptrace", "mount", "keyctl", "bpf", "personality_bsd", "socket_vsock"];
        var filtered = SyscallProbe.Results(Probe([], calls).Stdout);
        Assert.All(calls, c => Assert.Equal("errno 1", filtered[c]));

        // Without a filter the same calls succeed or fail differently (clone_newuser runs first: after
        // unshare_user the process has no mapped id left for another user namespace).
        var unfiltered = SyscallProbe.Results(Probe(["--disable_seccomp"], calls).Stdout);
        Assert.All(calls, c => Assert.NotEqual("errno 1", unfiltered[c]));
        Assert.Equal("none", _nss.Run(["--disable_seccomp"], "/bin/true").Report!.Value
            .GetProperty("sandbox").GetProperty("seccomp_policy").GetString());
    }

    [Fact]
    public void TheDefaultPolicyRefusesUnshareFromUtilLinux()
    {
        Require.Root();
        if (!File.Exists("/usr/bin/unshare")) Assert.Skip("needs unshare(1) from util-linux");
        var r = _nss.Run([], "/usr/bin/unshare", "-U", "true");
        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains("Operation not permitted", r.Stderr);
        Assert.Equal(0, _nss.Run(["--disable_seccomp"], "/usr/bin/unshare", "-U", "true").ExitCode);
    }

    [Fact]
    public void X32SyscallsAreKilled()
    {
        probe.Require();
        var r = Probe([], "uname", "x32_getpid");
        Assert.Equal(128 + 31, r.ExitCode);
        Assert.Equal("uname: ok\n", r.Stdout);
        Assert.Equal("seccomp", r.ReportString("reason"));
        var seccomp = r.Report!.Value.GetProperty("seccomp");
        Assert.Equal(0x40000000 | 39, seccomp.GetProperty("number").GetInt32());
        Assert.Equal("x32:getpid", seccomp.GetProperty("syscall").GetString());
    }

    [Fact]
    public void X32SyscallsAreKilledEvenWhenThePolicyAllowsEverything()
    {
        probe.Require();
        var r = Probe(["--seccomp_string", "POLICY p { ALLOW { getpid } } USE p DEFAULT ALLOW"], "getpid_native", "x32_getpid", "uname");
        Assert.Equal(128 + 31, r.ExitCode);
        Assert.Equal("getpid_native: ok\n", r.Stdout);
        Assert.Equal("x32:getpid", r.Report!.Value.GetProperty("seccomp").GetProperty("syscall").GetString());
        // The same call without a filter is the kernel's to answer (ENOSYS without x32 support): never a kill.
        var unfiltered = Probe(["--disable_seccomp"], "x32_getpid", "uname");
        Assert.Equal(0, unfiltered.ExitCode);
        Assert.Equal("ok", SyscallProbe.Results(unfiltered.Stdout)["uname"]);
    }

    [Fact]
    public void VerboseRunsSayThePolicySizeAndCompileTime()
    {
        Require.Root();
        var r = _nss.Run(["-v"], "/bin/true");
        Assert.Equal(0, r.ExitCode);
        Assert.Matches(@"(?m)^nssandbox: seccomp: default: [1-9][0-9]* instructions, compiled in [0-9.]+ ms$", r.Stderr);
        Assert.DoesNotContain("seccomp:", _nss.Run(["-v", "--disable_seccomp"], "/bin/true").Stderr);
    }

    [Fact]
    public void ASigsysNotSentByTheFilterIsNotASeccompViolation()
    {
        probe.Require();
        // Processes outside the sandbox are killed by their own filters meanwhile: their audit records
        // carry other pids and must not be taken for this run's.
        bool stop = false;
        var noise = new Thread(() =>
        {
            while (!Volatile.Read(ref stop))
                using (var p = Process.Start(probe.OnHost, "self_seccomp_kill")) p.WaitForExitWithin(TimeSpan.FromSeconds(30));
        });
        noise.Start();
        try
        {
            // Without a pid namespace the command is not an init that ignores signals, so raise() kills it.
            var r = Probe(["--seccomp_string", KillPtrace, "--disable_clone_newpid", "--disable_proc"], "raise_sigsys");
            Assert.Equal(128 + 31, r.ExitCode);
            Assert.Equal("signaled", r.ReportString("reason"));
            Assert.False(r.Report!.Value.TryGetProperty("seccomp", out _));
        }
        finally
        {
            Volatile.Write(ref stop, true);
            noise.Join();
        }
    }

    [Fact]
    public void ModeExecveLoadsThePolicyToo()
    {
        probe.Require();
        var r = _nss.RunRaw(["--state_dir", _nss.StateDir, "-Me", "--disable_proc", .. probe.BindFlags,
            "--seccomp_string", "POLICY p { ERRNO(1) { getppid } } USE p DEFAULT ALLOW", "--", probe.InSandbox, "getppid", "uname"]);
        Assert.Equal((0, "getppid: errno 1\nuname: ok\n"), (r.ExitCode, r.Stdout));
    }
}

/// <summary>--seccomp_log's count of the records of the command's children, which the launcher reads while the
/// run lasts: how busy the machine is decides whether it reads a child's record before the child is reaped.</summary>
[Collection<LoadSensitive>]
public sealed class SeccompLogChildrenTests(SyscallProbe probe) : IClassFixture<SyscallProbe>, IDisposable
{
    private readonly Launcher _nss = new();

    public void Dispose() => _nss.Dispose();

    [Fact]
    public void SeccompLogCountsTheCallsOfTheCommandsChildrenToo()
    {
        probe.Require();
        // The shell never calls ptrace: every record counted is a child's. A child's record is counted when the
        // launcher reads it before the child is reaped (docs/seccomp.md), so each child lingers a second after
        // its call; under heavy load one of the two may still be missed.
        var r = _nss.Run([.. probe.BindFlags, "--seccomp_string", SeccompTests.KillPtrace, "--seccomp_log"],
            "/bin/sh", "-c", $"{probe.InSandbox} ptrace linger; {probe.InSandbox} ptrace linger");
        Assert.Equal(0, r.ExitCode);
        var logged = Assert.Single(r.Report!.Value.GetProperty("seccomp_logged").EnumerateArray());
        Assert.Equal("ptrace", logged.GetProperty("syscall").GetString());
        Assert.InRange(logged.GetProperty("count").GetInt32(), 1, 2);
    }
}
