using NsSandbox.Core.Report;
using NsSandbox.Linux;

namespace NsSandbox.Core.Tests.Seccomp;

/// <summary>From the kernel's audit record of a seccomp kill to the report's syscall name.</summary>
public sealed class SeccompViolationTests
{
    // A record as the kernel multicasts it (type 1326), with a program's chosen names: the kernel quotes comm
    // and exe, or hex-encodes them when they hold a space, a quote or a control character.
    private const string Record = "audit(1763900000.123:456): auid=4294967295 uid=65534 gid=65534 ses=4294967295 " +
        "subj=unconfined pid=4242 comm=\"syscall=2\" exe=2F746D702F7069643D3120782E6F7574 sig=31 arch=c000003e " +
        "syscall=101 compat=0 ip=0x7f0000001234 code=0x80000000";

    [Fact]
    public void ParsesTheFieldsOfAKernelRecord()
    {
        var r = SeccompRecord.Parse(Record)!;
        Assert.Equal(new SeccompRecord(4242, 0xc000003e, 101, 0x80000000), r);
        Assert.True(r.IsKill);
    }

    [Theory]
    [InlineData("code=0x0", true)]            // KILL_THREAD
    [InlineData("code=0x7ffc0000", false)]    // LOG (--seccomp_log)
    [InlineData("code=0x50001", false)]       // ERRNO, logged when actions_logged says so
    public void OnlyKillActionsAreKills(string code, bool kill) =>
        Assert.Equal(kill, SeccompRecord.Parse($"pid=1 arch=c000003e syscall=0 {code}")!.IsKill);

    [Theory]
    [InlineData("arch=c000003e syscall=101")]
    [InlineData("pid=x arch=c000003e syscall=101")]
    [InlineData("pid=7 arch=c000003e syscall=")]
    public void ARecordWithoutPidOrSyscallIsNotARecord(string text) => Assert.Null(SeccompRecord.Parse(text));

    [Theory]
    [InlineData(0xc000003eu, 101, "ptrace", "x86_64")]
    [InlineData(0xc000003eu, 63, "newuname", "x86_64")]
    [InlineData(0xc000003eu, 0x40000000 | 39, "x32:getpid", "x86_64")]
    [InlineData(0xc00000b7u, 117, "ptrace", "aarch64")]
    [InlineData(0x40000003u, 20, null, "40000003")]
    [InlineData(0xc000003eu, 4000, null, "x86_64")]
    public void NamesTheCallOnItsArchitecture(uint arch, int nr, string? name, string archName)
    {
        var v = SeccompNames.Violation(new SeccompRecord(1, arch, nr, 0));
        Assert.Equal((name, nr, archName), (v.Syscall, v.Number, v.Arch));
    }

    [Fact]
    public void LoggedCallsAreCountedPerCallInNumberOrder()
    {
        const uint x86_64 = 0xc000003e, log = 0x7ffc0000;
        var calls = SeccompNames.Logged([
            new SeccompRecord(5, x86_64, 165, log), new SeccompRecord(6, x86_64, 101, log), new SeccompRecord(5, x86_64, 165, log)]);
        Assert.Equal([new SeccompLoggedCall("ptrace", 101, "x86_64", 1), new SeccompLoggedCall("mount", 165, "x86_64", 2)], calls);
        Assert.Equal("ptrace (101), mount (165) x2", string.Join(", ", calls));
        Assert.True(calls.Count == 2 && new SeccompRecord(5, x86_64, 165, log).IsLog && !new SeccompRecord(5, x86_64, 165, 0).IsLog);
    }

    [Fact]
    public void WithoutARecordNothingIsKnown()
    {
        var v = SeccompNames.Violation(null);
        Assert.Equal((null, null, null), (v.Syscall, v.Number, v.Arch));
    }
}
