using System.Text.Json;

namespace NsSandbox.EndToEnd.Tests;

/// <summary>cgroup limits on this host, through whichever interface it offers (on the development machines,
/// the v1 fallback; tests/vm proves v2). Every run's leaf must be gone afterwards.</summary>
[Collection<LoadSensitive>]
public sealed class CgroupTests : IDisposable
{
    private readonly Launcher _nss = new();

    public void Dispose() => _nss.Dispose();

    [Fact]
    public void MemoryLimitKillsAnAllocationWithReasonOom()
    {
        Require.Cgroup("memory");
        Require.FileExists("/usr/bin/python3");
        var r = _nss.Run(["--cgroup_mem_max", "64M"], "/usr/bin/python3", "-c", "b = bytearray(200 * 1024 * 1024); print('survived')");
        Assert.Equal(137, r.ExitCode);
        Assert.DoesNotContain("survived", r.Stdout);
        var report = r.Report!.Value;
        Assert.Equal("oom", report.GetProperty("reason").GetString());
        Assert.True(report.GetProperty("oom_killed").GetBoolean());
        Assert.Equal(64UL << 20, report.GetProperty("limits").GetProperty("cgroup_mem_max_bytes").GetUInt64());
        Assert.InRange(report.GetProperty("memory_peak_bytes").GetUInt64(), 32UL << 20, 64UL << 20);
        AssertLeafGone(report);
    }

    [Fact]
    public void UnderTheMemoryLimitTheRunExitsAndReportsItsPeak()
    {
        Require.Cgroup("memory");
        var r = _nss.Sh("head -c 20000000 /dev/zero | tail -n 1 | wc -c", "--cgroup_mem_max", "256M");
        Assert.Equal(0, r.ExitCode);
        Assert.Equal("20000000", r.Stdout.Trim());
        var report = r.Report!.Value;
        Assert.Equal("exited", report.GetProperty("reason").GetString());
        Assert.False(report.GetProperty("oom_killed").GetBoolean());
        Assert.InRange(report.GetProperty("memory_peak_bytes").GetUInt64(), 20_000_000UL, 256UL << 20);
        AssertLeafGone(report);
    }

    [Fact]
    public void PidsLimitStopsAForkBombAndTheRunStillEnds()
    {
        Require.Cgroup("pids");
        // --rlimit_nproc is a second guard in case the cgroup did not hold.
        var r = _nss.Sh("bomb() { bomb | bomb; }; bomb", "--cgroup_pids_max", "16", "--time_limit", "5", "--rlimit_nproc", "400");
        var report = r.Report!.Value;
        Assert.True(report.GetProperty("pids_limit_hit").GetBoolean(), r.Stderr);
        Assert.Contains(report.GetProperty("reason").GetString(), new[] { "exited", "timeout", "signaled" });
        AssertLeafGone(report);
    }

    [Fact]
    public void CpuLimitHoldsASpinnerToItsShare()
    {
        Require.Cgroup("cpu");
        var r = _nss.Sh("while :; do :; done", "--cgroup_cpu_ms_per_sec", "200", "--time_limit", "3");
        Assert.Equal(124, r.ExitCode);
        var report = r.Report!.Value;
        // 200 ms per second over 3 s is about 0.6 s; unthrottled it would be about 3 s.
        if (report.TryGetProperty("cpu_usage_usec", out var usage))
            Assert.InRange(usage.GetUInt64(), 100_000UL, 1_500_000UL);
        Assert.InRange(report.GetProperty("user_seconds").GetDouble() + report.GetProperty("sys_seconds").GetDouble(), 0.05, 1.5);
        AssertLeafGone(report);
    }

    [Fact]
    public void WithoutALimitThereIsNoCgroup()
    {
        Require.Root();
        var report = _nss.Sh("true").Report!.Value;
        Assert.False(report.TryGetProperty("cgroup", out _));
        Assert.False(report.TryGetProperty("oom_killed", out _));
    }

    [Fact]
    public void SetupFailureInTheSandboxLeavesNoCgroup()
    {
        Require.Cgroup("pids");
        var r = _nss.Run(["--cgroup_pids_max", "20", "--bindmount", "/nonexistent-nss:/x"], "/bin/true");
        Assert.Equal(126, r.ExitCode);
        AssertLeafGone(r.Report!.Value);
    }

    [Fact]
    public void TheSandboxSeesItsOwnCgroupOnly()
    {
        Require.Cgroup("pids");
        var r = _nss.Sh("cat /proc/self/cgroup", "--cgroup_pids_max", "20");
        Assert.Equal(0, r.ExitCode);
        // The cgroup namespace hides the host's cgroup paths above the sandbox's.
        Assert.DoesNotContain("process_api", r.Stdout);
        AssertLeafGone(r.Report!.Value);
    }

    [Fact]
    public void AKilledSupervisorsLeafIsRemovedByCleanup()
    {
        Require.Cgroup("pids");
        string[] leaves;
        using (var launcher = _nss.Start(["--state_dir", _nss.StateDir, "--cgroup_pids_max", "20", "--", "/bin/sh", "-c", "echo started; sleep 60"]))
        {
            Assert.Equal("started", launcher.StandardOutput.ReadLineWithin(TimeSpan.FromSeconds(60)));
            string run = Directory.GetDirectories(Path.Combine(_nss.StateDir, "runs")).Single();
            leaves = File.ReadAllLines(Path.Combine(run, "cgroups"));
            Assert.NotEmpty(leaves);
            launcher.Kill(); // SIGKILL: the supervisor removes nothing
            launcher.WaitForExitWithin(TimeSpan.FromSeconds(30));
        }
        Assert.All(leaves, l => Assert.True(Directory.Exists(l), $"{l} should outlive its killed supervisor"));

        var cleanup = _nss.RunRaw(["cleanup", "--state_dir", _nss.StateDir]);
        Assert.Equal(0, cleanup.ExitCode);
        Assert.All(leaves, l => Assert.Contains("removed " + l, cleanup.Stdout));
        Assert.All(leaves, l => Assert.False(Directory.Exists(l), $"{l} is still there after cleanup"));
        Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(_nss.StateDir, "runs")));
    }

    [Fact]
    public void LimitsThatNoCgroupCanEnforceAreRefused()
    {
        Require.Root();
        // Asking for v2 where cgroup2 lacks the controller must refuse, never run unlimited.
        if (Require.CgroupV2Has("pids")) Assert.Skip("this host's cgroup v2 has the pids controller; the refusal is for hosts without it");
        var r = _nss.Run(["--cgroup_version", "2", "--cgroup_pids_max", "20"], "/bin/echo", "ran");
        Assert.Equal(123, r.ExitCode); // Unavailable: refused before anything was made
        Assert.DoesNotContain("ran", r.Stdout);
        Assert.Contains("nssandbox: cgroup: no usable cgroup for the limits asked (pids): cgroup v2 at", r.Stderr);
        Assert.Equal("setup-error", r.ReportString("reason"));
    }

    [Theory]
    [InlineData("--cgroup_mem_max", "12Q", "--cgroup_mem_max: '12Q' is not a size")]
    [InlineData("--cgroup_mem_max", "1000", "--cgroup_mem_max: 1000 is below the smallest limit, 1M")]
    [InlineData("--cgroup_pids_max", "0", "--cgroup_pids_max: 0 is below the smallest limit, 1")]
    [InlineData("--cgroup_cpu_ms_per_sec", "-5", "--cgroup_cpu_ms_per_sec: '-5' is not a whole number")]
    [InlineData("--cgroup_version", "3", "--cgroup_version: unknown cgroup version '3'")]
    [InlineData("--cgroup_parent", "rel/path", "--cgroup_parent: rel/path is not a cgroup path")]
    [InlineData("--cgroup_mem_swap_max", "1G", "--cgroup_mem_swap_max: a swap limit needs a memory limit")]
    [InlineData("--cgroup_mem_memsw_max", "1G", "--cgroup_mem_memsw_max: a memory+swap limit needs a memory limit")]
    public void BadCgroupFlagsAreUsageErrors(string flag, string value, string message)
    {
        Require.Root();
        var r = _nss.Run([flag, value], "/bin/true");
        Assert.Equal(125, r.ExitCode);
        Assert.StartsWith("nssandbox: " + message, r.Stderr);
        Assert.Null(r.Report);
    }

    [Fact]
    public void ModeExecveRefusesCgroupLimits()
    {
        Require.Root();
        var r = _nss.RunRaw(["-Me", "--disable_proc", "--cgroup_mem_max", "64M", "--", "/bin/true"]);
        Assert.Equal(125, r.ExitCode);
        Assert.Contains("mode execve has no supervisor to create and remove a cgroup", r.Stderr);
    }

    /// <summary>nsjail's swap forms reach the run's cgroup: -1 is no swap limit; memory+swap is v1's memsw itself
    /// and v2's swap.max less the memory. Read from the leaf while the sandbox runs.</summary>
    [Theory]
    [InlineData(new[] { "--cgroup_mem_swap_max", "-1" }, -1L)]
    [InlineData(new[] { "--cgroup_mem_memsw_max", "96M" }, 32L << 20)]
    [InlineData(new string[0], 0L)]
    public void SwapLimitsReachTheRunsCgroup(string[] flags, long swap)
    {
        Require.Cgroup("memory");
        using var launcher = _nss.Start(["--state_dir", _nss.StateDir, "--cgroup_mem_max", "64M", .. flags, "--", "/bin/sh", "-c", "echo started; read x"],
            redirectInput: true);
        string[] leaves;
        try
        {
            Assert.Equal("started", launcher.StandardOutput.ReadLineWithin(TimeSpan.FromSeconds(60)));
            string run = Directory.GetDirectories(Path.Combine(_nss.StateDir, "runs")).Single();
            leaves = File.ReadAllLines(Path.Combine(run, "cgroups"));
            string? v2 = leaves.Select(l => Path.Combine(l, "memory.swap.max")).FirstOrDefault(File.Exists);
            string? v1 = leaves.Select(l => Path.Combine(l, "memory.memsw.limit_in_bytes")).FirstOrDefault(File.Exists);
            if (v2 is not null) Assert.Equal(swap < 0 ? "max" : swap.ToString(), File.ReadAllText(v2).Trim());
            else if (v1 is not null)
            {
                ulong memsw = ulong.Parse(File.ReadAllText(v1).Trim());
                if (swap < 0) Assert.True(memsw >= 1UL << 62, $"memsw {memsw} is a limit"); // the kernel's "unlimited"
                else Assert.Equal((64UL << 20) + (ulong)swap, memsw);
            }
            else Assert.Skip("this host's memory cgroup has no swap accounting (memory.swap.max or memory.memsw.limit_in_bytes)");
        }
        finally
        {
            launcher.StandardInput.WriteLine();
            launcher.StandardInput.Close();
            launcher.WaitForExitWithin(TimeSpan.FromSeconds(60));
        }
        Assert.Equal(0, launcher.ExitCode);
        Assert.All(leaves, l => Assert.False(Directory.Exists(l), $"{l} is still there"));
    }

    private static void AssertLeafGone(JsonElement report)
    {
        if (report.TryGetProperty("cgroup", out var cgroup))
            Assert.False(Directory.Exists(cgroup.GetProperty("path").GetString()), "the run's cgroup is still there");
    }
}
