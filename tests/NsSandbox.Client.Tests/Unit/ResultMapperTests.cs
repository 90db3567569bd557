using System.Text;

namespace NsSandbox.Client.Tests;

/// <summary>Every end reason of the report, and a launcher that wrote none, becomes its outcome and message.</summary>
public sealed class ResultMapperTests
{
    private static RunReport Report(string reason) => new()
    {
        RunId = "r",
        Command = ["x"],
        Reason = reason,
        LauncherExitCode = 0,
        WallSeconds = 1.5,
        CpuUsageUsec = 2_000,
        Limits = new ReportLimits { Rlimits = new Dictionary<string, ulong?>(), TimeLimitSeconds = 2, CgroupMemMaxBytes = 1 << 20 },
        Sandbox = new ReportSandbox { Uid = 1, Gid = 1, Namespaces = [], Chroot = "/", ReadOnlyRoot = true, Network = "none" },
        Error = reason == EndReason.SetupError ? new SetupError("bind mount", "/x", 2, "bind mount /x: No such file or directory") : null,
        Seccomp = reason == EndReason.Seccomp ? new SeccompViolation { Syscall = "ptrace", Number = 101, Arch = "x86_64" } : null,
    };

    [Theory]
    [InlineData(EndReason.Exited, SandboxOutcome.Exited, null)]
    [InlineData(EndReason.Signaled, SandboxOutcome.Signaled, null)]
    [InlineData(EndReason.Timeout, SandboxOutcome.TimedOut, "time limit of 2s reached; the sandbox was killed")]
    [InlineData(EndReason.Oom, SandboxOutcome.OutOfMemory, "the OOM killer ended the command at the cgroup's memory limit of 1048576 bytes")]
    [InlineData(EndReason.Seccomp, SandboxOutcome.SeccompViolation, "the command was killed for calling ptrace (101)")]
    [InlineData(EndReason.SetupError, SandboxOutcome.SetupError, "bind mount /x: No such file or directory")]
    public void EveryReasonHasItsOutcome(string reason, SandboxOutcome outcome, string? message)
    {
        var r = ResultMapper.Map(3, Report(reason), CapturedOutput.Empty, CapturedOutput.Empty, TimeSpan.Zero);
        Assert.Equal((outcome, message, 3), (r.Outcome, r.Message, r.LauncherExitCode));
        Assert.Equal(TimeSpan.FromSeconds(1.5), r.WallTime);
        Assert.Equal(TimeSpan.FromMilliseconds(2), r.CgroupCpuTime);
    }

    [Fact]
    public void EveryReasonTheContractNamesIsMapped()
    {
        var reasons = typeof(EndReason).GetFields().Select(f => (string)f.GetValue(null)!);
        Assert.All(reasons, reason => Assert.NotEqual(SandboxOutcome.LauncherFailed,
            ResultMapper.Map(0, Report(reason), CapturedOutput.Empty, CapturedOutput.Empty, TimeSpan.Zero).Outcome));
    }

    [Theory]
    [InlineData(125, SandboxOutcome.UsageError, "--cgroup_cpu_ms_per_sec: too much")]
    [InlineData(126, SandboxOutcome.SetupError, "--cgroup_cpu_ms_per_sec: too much")]
    [InlineData(123, SandboxOutcome.SetupError, "--cgroup_cpu_ms_per_sec: too much")]
    [InlineData(137, SandboxOutcome.LauncherFailed, "nssandbox ended with status 137 and wrote no report")]
    public void WithoutAReportTheStatusDecides(int status, SandboxOutcome outcome, string message)
    {
        var stderr = new CapturedOutput(Encoding.UTF8.GetBytes("nssandbox: --cgroup_cpu_ms_per_sec: too much\n"), 45);
        var r = ResultMapper.Map(status, null, CapturedOutput.Empty, stderr, TimeSpan.Zero);
        Assert.Equal((outcome, message), (r.Outcome, r.Message));
        Assert.Null(r.Report);
    }
}
