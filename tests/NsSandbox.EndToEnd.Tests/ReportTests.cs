using System.Text.Json;

namespace NsSandbox.EndToEnd.Tests;

/// <summary>The JSON report and the launcher's exit status for each way a run ends.</summary>
public sealed class ReportTests : IDisposable
{
    private readonly Launcher _nss = new();

    public void Dispose() => _nss.Dispose();

    [Fact]
    public void AReportToADeviceIsWrittenIntoItNotRenamedOverIt()
    {
        Require.Root();
        // A null device of the test's own: `--report /dev/null` once turned the host's into a regular file.
        string node = Path.Combine(_nss.TempDir, "null");
        Launcher.MakeNullNode(node);
        var r = _nss.RunRaw(["--state_dir", _nss.StateDir, "--report", node, "--", "/bin/true"]);
        Assert.Equal(0, r.ExitCode);
        var stat = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("stat", ["-c", "%F", node]) { RedirectStandardOutput = true })!;
        string type = stat.StandardOutput.ReadToEnd().Trim();
        stat.WaitForExitWithin(TimeSpan.FromSeconds(30));
        Assert.Equal("character special file", type);
        Assert.Empty(Directory.GetFiles(_nss.TempDir, "null.tmp-*"));
    }

    [Fact]
    public void ExitCodeIsPassedThroughAndReported()
    {
        Require.Root();
        var r = _nss.Sh("exit 42");
        Assert.Equal(42, r.ExitCode);
        var report = r.Report!.Value;
        Assert.Equal("exited", report.GetProperty("reason").GetString());
        Assert.Equal(42, report.GetProperty("exit_code").GetInt32());
        Assert.Equal(42, report.GetProperty("launcher_exit_code").GetInt32());
        Assert.Equal(["/bin/sh", "-c", "exit 42"], report.GetProperty("command").EnumerateArray().Select(e => e.GetString()!));
        Assert.True(report.GetProperty("wall_seconds").GetDouble() > 0);
        Assert.True(report.GetProperty("peak_rss_bytes").GetInt64() > 0);
        var sandbox = report.GetProperty("sandbox");
        Assert.Equal(65534u, sandbox.GetProperty("uid").GetUInt32());
        Assert.Equal("nssandbox", sandbox.GetProperty("hostname").GetString());
        Assert.True(sandbox.GetProperty("read_only_root").GetBoolean());
    }

    [Fact]
    public void KilledBySignalGives128PlusSignal()
    {
        Require.Root();
        // pid 1 ignores signals it has no handler for, even from itself; a child is killed normally.
        var r = _nss.Sh("sh -c 'kill -SEGV $$'; exit $?");
        Assert.Equal(128 + 11, r.ExitCode);
        var self = _nss.Run([], "/bin/sh", "-c", "sleep 0.1 & kill -KILL $!; wait $!; exit $?");
        Assert.Equal(137, self.ExitCode);
    }

    [Fact]
    public void LimitsInForceAreReported()
    {
        Require.Root();
        var r = _nss.Run(["--rlimit_nofile", "50", "--rlimit_cpu", "inf", "--time_limit", "30"], "/bin/true");
        var limits = r.Report!.Value.GetProperty("limits");
        Assert.Equal(30, limits.GetProperty("time_limit_seconds").GetDouble());
        var rl = limits.GetProperty("rlimits");
        Assert.Equal(50ul, rl.GetProperty("nofile").GetUInt64());
        Assert.Equal(JsonValueKind.Null, rl.GetProperty("cpu").ValueKind);
        Assert.Equal(0ul, rl.GetProperty("core").GetUInt64());
    }

    [Fact]
    public void ReportToStderrWithDash()
    {
        Require.Root();
        var r = _nss.RunRaw(["--state_dir", _nss.StateDir, "--report", "-", "--", "/bin/true"]);
        using var doc = JsonDocument.Parse(r.Stderr);
        Assert.Equal("exited", doc.RootElement.GetProperty("reason").GetString());
    }
}
