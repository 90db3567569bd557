namespace NsSandbox.EndToEnd.Tests;

/// <summary>What the target may not do: no capabilities, no new privileges, no terminal, no inherited descriptors.</summary>
public sealed class PrivilegeTests : IDisposable
{
    private readonly Launcher _nss = new();

    public void Dispose() => _nss.Dispose();

    [Fact]
    public void EveryCapabilitySetIsEmptyAndNoNewPrivsIsSet()
    {
        Require.Root();
        var r = _nss.Run([], "/bin/grep", "-E", "^(Cap|NoNewPrivs)", "/proc/self/status");
        var fields = r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split(':', 2)).ToDictionary(p => p[0], p => p[1].Trim());
        foreach (string set in new[] { "CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb" })
            Assert.Equal("0000000000000000", fields[set]);
        Assert.Equal("1", fields["NoNewPrivs"]);
    }

    [Fact]
    public void PtraceTracemeCannotMakeTheSupervisorATracerThatHoldsTheTarget()
    {
        Require.Root();
        Require.FileExists("/usr/bin/python3");
        // Without the filter PTRACE_TRACEME succeeds and names the supervisor as tracer; the exec then stops for
        // it. The supervisor must detach, not leave the target stopped until the time limit.
        var r = _nss.Run(["--disable_seccomp", "-t", "30"], "/usr/bin/python3", "-c",
            "import ctypes, os; print(ctypes.CDLL(None).ptrace(0, 0, 0, 0), flush=True); " +
            "os.execv('/bin/sh', ['sh', '-c', 'echo ran; grep TracerPid /proc/self/status'])");
        Assert.Equal(["0", "ran", "TracerPid:\t0"], r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal("exited", r.ReportString("reason"));
        Assert.Equal(0, r.ExitCode);
    }

    [Fact]
    public void ARootWithoutDacOverrideStillRemovesTheRunsFiles()
    {
        Require.Root();
        Require.FileExists("/usr/bin/setpriv");
        // As in a container without CAP_DAC_OVERRIDE: the launcher cannot enter nobody's 0700 directories and
        // takes them over with CAP_CHOWN. Dispose fails the test if the per-run directory is left.
        var r = _nss.RunRaw(["--state_dir", _nss.StateDir, "--", "/bin/sh", "-c", "mkdir -m 700 d && echo x > d/f && chmod 500 d && echo done"],
            bashPrefix: "exec setpriv --bounding-set -dac_override,-dac_read_search -- \"$0\" \"$@\";");
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Equal("done", r.Stdout.Trim());
        Assert.DoesNotContain("could not remove", r.Stderr);
    }

    [Fact]
    public void InheritedDescriptorsAreClosed()
    {
        Require.Root();
        // bash opens fd 5 and 9 without close-on-exec, then execs the launcher; the target must not see them.
        var r = _nss.RunRaw(["--state_dir", _nss.StateDir, "--", "/bin/ls", "/proc/self/fd"],
            bashPrefix: "exec 5</etc/hostname 9>/dev/null;");
        Assert.Equal(0, r.ExitCode);
        // 0-2, and the directory ls itself opened to list /proc/self/fd.
        Assert.Equal(["0", "1", "2", "3"], r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public void TargetHasANewSessionAndNoControllingTerminal()
    {
        Require.Root();
        // Field 6 of /proc/self/stat is the session id, field 7 the controlling tty (0: none).
        var r = _nss.Sh("cut -d' ' -f6,7 /proc/$$/stat");
        Assert.Equal("1 0\n", r.Stdout);
    }

    [Fact]
    public void PrivilegedOperationsAreRefused()
    {
        Require.Root();
        var r = _nss.Sh("mount -t tmpfs none /tmp 2>/dev/null || echo mount-refused; " +
                        "hostname other 2>/dev/null || echo hostname-refused; " +
                        "echo 1 > /proc/sys/kernel/ns_last_pid 2>/dev/null || echo sysctl-refused");
        Assert.Equal("mount-refused\nhostname-refused\nsysctl-refused\n", r.Stdout);
    }

    [Fact]
    public void SupplementaryGroupsOfTheLauncherAreDropped()
    {
        Require.Root();
        var r = _nss.Run([], "/bin/grep", "^Groups:", "/proc/self/status");
        Assert.Equal("Groups:", r.Stdout.Trim());
    }
}
