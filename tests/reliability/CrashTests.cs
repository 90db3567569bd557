using System.Text.Json;

namespace NsSandbox.Reliability.Tests;

/// <summary>The fuzzers' test for a launcher crash: a fatal signal's status is the command's own only when the
/// run's report says so; the runtime's words are a crash whatever the status.</summary>
public sealed class CrashTests
{
    private static JsonElement Report(string json) => JsonDocument.Parse(json).RootElement.Clone();

    [Fact]
    public void AFatalSignalWithoutAReportIsACrash()
    {
        Assert.True(Crash.Seen(139, ""));
        Assert.True(Crash.Seen(134, "", Report("""{"reason":"exited","exit_code":0,"launcher_exit_code":0}""")));
        Assert.True(Crash.Seen(139, "", Report("""{"reason":"signaled","signal":6,"launcher_exit_code":134}""")));
    }

    [Fact]
    public void TheCommandsOwnSignalInTheReportIsNoCrash()
    {
        Assert.False(Crash.Seen(139, "", Report("""{"reason":"signaled","signal":11,"signal_name":"SIGSEGV","launcher_exit_code":139}""")));
        Assert.False(Crash.Seen(137, "")); // SIGKILL: a time limit or the OOM killer, never the runtime's own end
        Assert.False(Crash.Seen(125, "nssandbox: --x: bad"));
    }

    [Fact]
    public void TheRuntimesReportIsACrashWhateverTheStatus()
    {
        Assert.True(Crash.Seen(0, "Unhandled exception. System.ArgumentException: x"));
        Assert.True(Crash.Seen(125, "nssandbox: x\n   at NsSandbox.Program.Main(String[] args) + 0x1d"));
    }

    [Fact]
    public void ACommandThatDiesBySigsegvIsToldFromALauncherCrashByItsReport()
    {
        EndToEnd.Tests.Require.Root();
        using var scope = new RunScope();
        string report = Path.Combine(scope.WorkDir, "report.json");
        // Not pid 1 of a namespace of its own, which a signal sent from inside would not end.
        var r = Nss.Run([.. scope.Flags(), "--report", report, "--disable_clone_newpid", "--disable_proc", "--", "/bin/sh", "-c", "kill -SEGV $$"]);
        Assert.Equal(139, r.ExitCode); // what a launcher that crashed by SIGSEGV would give too
        using var doc = JsonDocument.Parse(File.ReadAllText(report));
        Assert.Equal("signaled", doc.RootElement.GetProperty("reason").GetString());
        Assert.True(Crash.Seen(r.ExitCode, r.Stderr), "without the report, the status alone looks like a crash");
        Assert.False(Crash.Seen(r.ExitCode, r.Stderr, doc.RootElement), $"exit {r.ExitCode}: {r.Stderr}");
        scope.AssertNothingLeft("a command that died by SIGSEGV");
    }
}
