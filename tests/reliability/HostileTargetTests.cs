using System.Diagnostics;
using System.Text.Json;
using NsSandbox.EndToEnd.Tests;

namespace NsSandbox.Reliability.Tests;

/// <summary>Targets that try to outlive or outrun their run: thousands of processes, a full /tmp, a closed or
/// broken stdout, SIGTERM ignored, a double fork with setsid, a daemon in a session of its own. Every process
/// ends with the run, and the report says how the run ended.</summary>
public sealed class HostileTargetTests : IDisposable
{
    private readonly RunScope _scope = new();

    public void Dispose() => _scope.Dispose();

    private string ReportPath => Path.Combine(_scope.WorkDir, "report.json");

    private JsonElement Report() => JsonDocument.Parse(File.ReadAllText(ReportPath)).RootElement.Clone();

    private List<string> Flags(bool cgroup = false, params string[] more) => _scope.Flags(cgroup, ["--report", ReportPath, .. more]);

    /// <summary>A directory the sandbox's nobody may write, bound at /out.</summary>
    private string[] OutFlags()
    {
        string dir = Directory.CreateDirectory(Path.Combine(_scope.WorkDir, "out")).FullName;
        File.SetUnixFileMode(dir, (UnixFileMode)0x1FF); // 0777
        return ["--bindmount", $"{dir}:/out"];
    }

    [Fact]
    public void TenThousandProcessesEndWithTheRunAndThePidsLimitHoldsTheRest()
    {
        Require.Cgroup("pids");
        int n = Counts.HostileProcesses;
        // The target asks for twice as many as the limit lets exist (it is one of them itself), reports how far it
        // got, and exits: its end as pid 1 takes the others along.
        var wall = Stopwatch.StartNew();
        var r = Nss.Run([.. _scope.Flags(cgroup: false), "--report", ReportPath, "--cgroup_parent", _scope.CgroupParent,
            "--cgroup_pids_max", (n + 1).ToString(), "--time_limit", "600", .. HostileProgram.BindFlags(),
            "--", HostileProgram.InSandbox, (2 * n).ToString()]);
        wall.Stop();
        Assert.True(r.ExitCode == 0, $"exit {r.ExitCode}: {r.Stderr}");
        Assert.StartsWith($"forked {n}, then fork: ", r.Stdout);
        var report = Report();
        Assert.Equal("exited", report.GetProperty("reason").GetString());
        Assert.True(report.GetProperty("pids_limit_hit").GetBoolean());
        _scope.AssertNothingLeft($"a run of {n} processes");
        Summary.Add($"{n} processes in one sandbox (pids limit {n + 1}): all ended with the run in {wall.Elapsed.TotalSeconds:0.0} s");
    }

    [Fact]
    public void AFullTmpFailsOnlyTheWriter()
    {
        Require.Root();
        var r = Nss.Run([.. Flags(more: ["--tmp_size", "4M"]), "--", "/bin/sh", "-c",
            "dd if=/dev/zero of=/tmp/fill bs=64k 2>/dev/null; echo dd $?; dd if=/dev/zero of=/dev/shm/fill bs=64k 2>/dev/null; echo dd $?; df -k /tmp | tail -n 1"]);
        Assert.Equal(0, r.ExitCode);
        Assert.StartsWith("dd 1\ndd 1\n", r.Stdout);
        Assert.Contains("100%", r.Stdout);
        Assert.Equal("exited", Report().GetProperty("reason").GetString());
        _scope.AssertNothingLeft("a run that filled /tmp");
    }

    [Theory]
    [InlineData(">&-", 1)]   // stdout closed
    [InlineData("<&-", 0)]   // stdin closed
    [InlineData("2>&-", 2)]  // stderr closed: the launcher's own messages have nowhere to go
    public void ALauncherStartedWithAStandardDescriptorClosedRunsAndReports(string redirect, int fd)
    {
        Require.Root();
        // What the target finds on the descriptor its caller closed: /dev/null, never a file of the launcher's.
        // (The shell's own descriptor, read while its command substitution runs: any redirection would replace it.)
        var r = Nss.Bash($"exec \"$NSS\" \"$@\" {redirect}", [.. Flags(more: OutFlags()), "--",
            "/bin/sh", "-c", $"f=$(readlink /proc/$$/fd/{fd}); echo \"$f\" > /out/fd; echo out; echo err >&2; exit 3"]);
        Assert.Equal(3, r.ExitCode);
        Assert.Equal("/dev/null\n", File.ReadAllText(Path.Combine(_scope.WorkDir, "out", "fd")));
        Assert.Equal(3, Report().GetProperty("exit_code").GetInt32());
        _scope.AssertNothingLeft($"a run started with {redirect}");
    }

    [Fact]
    public void AStdoutNobodyReadsEndsTheWriterNotTheLauncher()
    {
        Require.Root();
        // The pipe's reader is gone before the target writes: the write fails (EPIPE, or SIGPIPE), the run ends.
        var r = Nss.Bash("set -o pipefail; \"$NSS\" \"$@\" | true", [.. Flags(), "--", "/bin/sh", "-c", "sleep 0.5; echo hi; echo written"]);
        Assert.True(r.ExitCode is 1 or 141, $"exit {r.ExitCode}: {r.Stderr}");
        Assert.Contains(Report().GetProperty("reason").GetString(), new[] { "exited", "signaled" });
        _scope.AssertNothingLeft("a run writing to a broken pipe");
    }

    [Fact]
    public void ATargetIgnoringSigtermIsKilledAfterTheGraceAndReported()
    {
        Require.Root();
        using var launcher = Nss.Start([.. Flags(), "--", "/bin/sh", "-c", "trap '' TERM; sleep 60 & echo ready; wait"]);
        try
        {
            Assert.Equal("ready", launcher.StandardOutput.ReadLineWithin(TimeSpan.FromSeconds(60)));
            Posix.Kill(launcher.Id, 15); // SIGTERM
            launcher.WaitForExitWithin(TimeSpan.FromSeconds(60));
        }
        finally
        {
            if (!launcher.HasExited) launcher.Kill();
        }
        Assert.Equal(137, launcher.ExitCode);
        var report = Report();
        Assert.Equal("SIGTERM", report.GetProperty("forwarded_signal").GetString());
        Assert.Equal("signaled", report.GetProperty("reason").GetString());
        Assert.Equal("SIGKILL", report.GetProperty("signal_name").GetString());
        _scope.AssertNothingLeft("a run that ignored SIGTERM");
    }

    /// <summary>Processes that leave the target's process tree and session. With a pid namespace its pid 1's exit
    /// ends them; without one, the run's cgroup, or else the supervisor, their subreaper.</summary>
    public static TheoryData<string, string, bool, bool> Escapes()
    {
        var data = new TheoryData<string, string, bool, bool>();
        foreach (var (what, script) in new[]
                 {
                     ("double fork and setsid", "(setsid sh -c 'sleep 60 & echo $! > /out/pid' &); sleep 0.3; echo left"),
                     ("a daemon in a new session", "setsid -f sh -c 'trap \"\" HUP TERM INT; echo $$ > /out/pid; exec sleep 60 </dev/null >/dev/null 2>&1'; sleep 0.3; echo left"),
                 })
        {
            data.Add(what, script, true, false);
            data.Add(what, script, false, true);
            data.Add(what, script, false, false);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Escapes))]
    public void ProcessesThatLeaveTheTargetsTreeEndWithTheRun(string what, string script, bool pidNamespace, bool cgroup)
    {
        Require.Cgroup("pids");
        var flags = Flags(cgroup, OutFlags());
        if (!pidNamespace) flags.AddRange(["--disable_clone_newpid", "--disable_proc"]);
        var r = Nss.Run([.. flags, "--", "/bin/sh", "-c", script]);
        Assert.True(r.ExitCode == 0, $"{what}: exit {r.ExitCode}: {r.Stderr}");
        Assert.Equal("left\n", r.Stdout);
        Assert.Equal("exited", Report().GetProperty("reason").GetString());
        // The escape happened: the process wrote its pid (the host's, without a pid namespace) before the run ended.
        string pid = File.ReadAllText(Path.Combine(_scope.WorkDir, "out", "pid")).Trim();
        if (!pidNamespace) Assert.False(Directory.Exists($"/proc/{pid}"), $"{what}: process {pid} outlived the run");
        _scope.AssertNothingLeft($"{what}{(pidNamespace ? "" : " without a pid namespace")}{(cgroup ? " with a cgroup" : "")}");
    }
}
