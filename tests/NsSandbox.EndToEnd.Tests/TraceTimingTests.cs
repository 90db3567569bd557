using System.Globalization;
using System.Text.RegularExpressions;

namespace NsSandbox.EndToEnd.Tests;

/// <summary>--trace_timing: one timeline of the supervisor's and stage 2's steps on stderr (bench/ reads it).</summary>
[Collection<LoadSensitive>]
public sealed class TraceTimingTests : IDisposable
{
    private readonly Launcher _nss = new();

    public void Dispose() => _nss.Dispose();

    private sealed record Stamp(double AtMs, double StepMs, string Process, string Step);

    private static readonly Regex Line = new(@"^nssandbox: timing +([0-9.]+) +([0-9.]+)  ([^:]+): (.+)$");

    private static List<Stamp> Parse(string stderr) => stderr.Split('\n').Select(l => Line.Match(l)).Where(m => m.Success)
        .Select(m => new Stamp(double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture),
            double.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture), m.Groups[3].Value, m.Groups[4].Value))
        .ToList();

    [Fact]
    public void BothProcessesStepsAppearInOrderOnOneClock()
    {
        Require.Root();
        var r = _nss.Run(["--trace_timing"], "/bin/true");
        Assert.Equal(0, r.ExitCode);
        var stamps = Parse(r.Stderr);

        string[] supervisor = ["process start", "runtime start", "spec", "seccomp compiled", "run dir and plan", "clone", "id maps", "go sent",
            "channel closed (exec)", "target exited", "reaped", "cleaned up", "report"];
        string[] stage2 = ["started", "go received", "mounts", "pivot_root", "privileges", "exec"];
        Assert.Equal(supervisor, stamps.Where(s => s.Process == "supervisor").Select(s => s.Step));
        Assert.Equal(stage2, stamps.Where(s => s.Process == "stage 2").Select(s => s.Step));

        // One clock: the timeline never goes back, starts at the launcher's start, and stage 2 lives between the
        // clone and the end of the channel. A stamp marks the end of its step: "go sent" is taken when the send
        // has returned, and stage 2 may have received the go-ahead (and even mounted) before that, so the go
        // must only come after the step before the send ("id maps"; this run has no network step).
        Assert.Equal(0, stamps[0].AtMs);
        Assert.All(stamps.Zip(stamps.Skip(1)), p => Assert.True(p.Second.AtMs >= p.First.AtMs, $"{p.Second.Step} before {p.First.Step}"));
        double At(string process, string step) => stamps.Single(s => s.Process == process && s.Step == step).AtMs;
        Assert.True(At("stage 2", "go received") >= At("supervisor", "id maps"), r.Stderr);
        Assert.True(At("stage 2", "exec") <= At("supervisor", "channel closed (exec)"), r.Stderr);
        Assert.True(At("supervisor", "report") > 0);
    }

    [Fact]
    public void WithoutTheFlagNothingIsPrinted()
    {
        Require.Root();
        var r = _nss.Run([], "/bin/true");
        Assert.Equal(0, r.ExitCode);
        Assert.DoesNotContain("timing", r.Stderr);
    }

    [Fact]
    public void ASetupErrorStillEndsWithTheTimeline()
    {
        Require.Root();
        var r = _nss.Run(["--trace_timing"], "/nonexistent/command");
        Assert.Equal(127, r.ExitCode);
        var stamps = Parse(r.Stderr);
        Assert.Contains(stamps, s => s.Process == "stage 2" && s.Step == "go received");
        Assert.Equal("report", stamps[^1].Step);
    }

    [Fact]
    public void ModeExecveRefusesIt()
    {
        Require.Root();
        var r = _nss.RunRaw(["-Me", "--disable_proc", "--trace_timing", "--", "/bin/true"]);
        Assert.Equal(125, r.ExitCode);
        Assert.Contains("--trace_timing: mode execve has no supervisor", r.Stderr);
    }
}
