using NsSandbox.Policy.Bpf;
using NsSandbox.Policy.Oci;
using NsSandbox.Policy.Syscalls;
using static NsSandbox.Policy.Tests.Oci.OciProfiles;

namespace NsSandbox.Policy.Tests.Oci;

/// <summary>What an OCI profile means, call by call: every action, errnoRet, every comparison on 64 bits, AND within
/// a rule, OR across rules, libseccomp's unconditional rule, runc's dropped rules and ENOSYS stub.</summary>
public class OciSemanticsTests
{
    [Theory]
    [InlineData("SCMP_ACT_KILL", "KILL")]
    [InlineData("SCMP_ACT_KILL_THREAD", "KILL")]
    [InlineData("SCMP_ACT_KILL_PROCESS", "KILL_PROCESS")]
    [InlineData("SCMP_ACT_TRAP", "TRAP(0)")]
    [InlineData("SCMP_ACT_ERRNO", "ERRNO(1)")]
    [InlineData("SCMP_ACT_TRACE", "TRACE(1)")]
    [InlineData("SCMP_ACT_ALLOW", "ALLOW")]
    [InlineData("SCMP_ACT_LOG", "LOG")]
    public void EveryActionMapsToItsSeccompReturn(string action, string expected)
    {
        string other = action == "SCMP_ACT_ALLOW" ? "SCMP_ACT_ERRNO" : "SCMP_ACT_ALLOW";
        string json = Profile(other, $$"""{"names": ["getppid"], "action": "{{action}}"}""");
        Assert.Equal(expected, Decide(json, "getppid"));
        Assert.Equal(other == "SCMP_ACT_ALLOW" ? "ALLOW" : "ERRNO(1)", Decide(json, "getpid"));
    }

    [Fact]
    public void NotifyIsUserNotifAndAsksForAListener()
    {
        var filter = Compile("""
            {"defaultAction": "SCMP_ACT_ALLOW", "listenerPath": "/run/agent.sock", "listenerMetadata": "m",
             "syscalls": [{"names": ["mkdirat"], "action": "SCMP_ACT_NOTIFY"}]}
            """);
        Assert.Equal("USER_NOTIF", Decide(filter, "mkdirat"));
        Assert.True(filter.UsesNotify);
        Assert.Equal(ScmpNames.FlagNewListener, filter.FilterFlags);
        Assert.Equal(("/run/agent.sock", "m"), (filter.ListenerPath, filter.ListenerMetadata));
    }

    [Fact]
    public void ErrnoRetAndDefaultErrnoRetSetTheErrno()
    {
        string json = """
            {"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 38, "syscalls": [
              {"names": ["getpid"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13},
              {"names": ["getppid"], "action": "SCMP_ACT_TRACE", "errnoRet": 65535},
              {"names": ["read"], "action": "SCMP_ACT_ALLOW"}]}
            """;
        Assert.Equal("ERRNO(13)", Decide(json, "getpid"));
        Assert.Equal("TRACE(65535)", Decide(json, "getppid"));
        Assert.Equal("ERRNO(38)", Decide(json, "write"));
    }

    [Theory]
    [InlineData("SCMP_CMP_EQ", 5, 0, new ulong[] { 5 }, new ulong[] { 4, 6, 0x1_0000_0005 })]
    [InlineData("SCMP_CMP_NE", 5, 0, new ulong[] { 4, 6, 0x1_0000_0005 }, new ulong[] { 5 })]
    [InlineData("SCMP_CMP_LT", 0x1_0000_0000, 0, new ulong[] { 0, 0xffffffff }, new ulong[] { 0x1_0000_0000, ulong.MaxValue })]
    [InlineData("SCMP_CMP_LE", 0x1_0000_0000, 0, new ulong[] { 0x1_0000_0000, 7 }, new ulong[] { 0x1_0000_0001 })]
    [InlineData("SCMP_CMP_GT", 0xffffffff, 0, new ulong[] { 0x1_0000_0000, ulong.MaxValue }, new ulong[] { 0xffffffff, 0 })]
    [InlineData("SCMP_CMP_GE", ulong.MaxValue, 0, new ulong[] { ulong.MaxValue }, new ulong[] { ulong.MaxValue - 1 })]
    [InlineData("SCMP_CMP_MASKED_EQ", 0x7E020000, 0, new ulong[] { 0x11, 0x1_0000_0011 }, new ulong[] { 0x10000000, 0x20000 })]
    [InlineData("SCMP_CMP_MASKED_EQ", 0xff00_0000_0000_00ff, 0x1200_0000_0000_0034, new ulong[] { 0x1234_5678_9abc_de34 }, new ulong[] { 0x34, 0x1200_0000_0000_0035 })]
    [InlineData("SCMP_CMP_MASKED_EQ", 0, 0, new ulong[] { 0, ulong.MaxValue }, new ulong[] { })]
    [InlineData("SCMP_CMP_MASKED_EQ", 0xf0, 0x0f, new ulong[] { 0x0f, 0x100 }, new ulong[] { 0xff, 0x10 })]
    public void ComparisonsAreOn64UnsignedBits(string op, ulong value, ulong valueTwo, ulong[] match, ulong[] miss)
    {
        // lseek's offset (argument 1) is 64 bits; on x86_64 the fd (0) is declared 32 bits, and OCI compares all 64 anyway.
        foreach (int index in new[] { 0, 1 })
        {
            string json = Profile("SCMP_ACT_ERRNO",
                $$"""{"names": ["lseek"], "action": "SCMP_ACT_ALLOW", "args": [{"index": {{index}}, "value": {{value}}, "valueTwo": {{valueTwo}}, "op": "{{op}}"}]}""");
            foreach (ulong v in match) Assert.Equal("ALLOW", Decide(json, "lseek", index == 0 ? [v] : [0, v]));
            foreach (ulong v in miss) Assert.Equal("ERRNO(1)", Decide(json, "lseek", index == 0 ? [v] : [0, v]));
        }
    }

    [Fact]
    public void ArgsOfOneRuleAndWhileRulesOfOneSyscallOr()
    {
        string json = Profile("SCMP_ACT_ERRNO",
            """{"names": ["socket"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 2, "op": "SCMP_CMP_EQ"}, {"index": 1, "value": 1, "op": "SCMP_CMP_EQ"}]}""",
            """{"names": ["socket"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_EQ"}]}""");
        Assert.Equal("ALLOW", Decide(json, "socket", 2, 1));
        Assert.Equal("ERRNO(1)", Decide(json, "socket", 2, 2));
        Assert.Equal("ALLOW", Decide(json, "socket", 1, 99));
        Assert.Equal("ERRNO(1)", Decide(json, "socket", 10, 1));
    }

    [Fact]
    public void OneEntryWithManyNamesAppliesToEach()
    {
        string json = Profile("SCMP_ACT_ERRNO", """{"names": ["getpid", "getppid", "gettid"], "action": "SCMP_ACT_ALLOW"}""");
        foreach (string name in new[] { "getpid", "getppid", "gettid" }) Assert.Equal("ALLOW", Decide(json, name));
        Assert.Equal("ERRNO(1)", Decide(json, "getuid"));
    }

    [Fact]
    public void ARuleWhoseActionIsTheDefaultsIsDroppedAsRuncDropsIt()
    {
        // runc never hands libseccomp the ERRNO rule, so ALLOW without args decides write alone.
        string json = Profile("SCMP_ACT_ERRNO",
            """{"names": ["write"], "action": "SCMP_ACT_ERRNO", "args": [{"index": 0, "value": 2, "op": "SCMP_CMP_EQ"}]}""",
            """{"names": ["write"], "action": "SCMP_ACT_ALLOW"}""");
        var filter = Compile(json);
        Assert.Equal("ALLOW", Decide(filter, "write", 2));
        Assert.Empty(filter.Notes);
        // ERRNO(1) and ERRNO(2) are different actions: the second is kept.
        Assert.Equal("ERRNO(2)", Decide(Profile("SCMP_ACT_ERRNO", """{"names": ["write"], "action": "SCMP_ACT_ERRNO", "errnoRet": 2}"""), "write"));
    }

    [Fact]
    public void ARuleWithoutArgsDecidesItsSyscallAloneAsInLibseccomp()
    {
        string json = Profile("SCMP_ACT_KILL",
            """{"names": ["write"], "action": "SCMP_ACT_ERRNO", "args": [{"index": 0, "value": 2, "op": "SCMP_CMP_EQ"}]}""",
            """{"names": ["write", "read"], "action": "SCMP_ACT_ALLOW"}""",
            """{"names": ["read"], "action": "SCMP_ACT_LOG"}""");
        var filter = Compile(json);
        Assert.Equal("ALLOW", Decide(filter, "write", 2));
        Assert.Equal("ALLOW", Decide(filter, "read", 2));
        Assert.Equal(
            ["read: syscalls[1] (SCMP_ACT_ALLOW) has no args, so it decides every call, and syscalls[2] (SCMP_ACT_LOG) never does, as libseccomp builds it",
             "write: syscalls[1] (SCMP_ACT_ALLOW) has no args, so it decides every call, and syscalls[0] (SCMP_ACT_ERRNO) never does, as libseccomp builds it"],
            filter.Notes);
    }

    [Fact]
    public void ExclusiveRulesOfDifferentActionsAreKept()
    {
        string json = Profile("SCMP_ACT_ERRNO",
            """{"names": ["socket"], "action": "SCMP_ACT_ERRNO", "errnoRet": 22, "args": [{"index": 0, "value": 16, "op": "SCMP_CMP_EQ"}, {"index": 2, "value": 9, "op": "SCMP_CMP_EQ"}]}""",
            """{"names": ["socket"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 2, "value": 9, "op": "SCMP_CMP_NE"}]}""",
            """{"names": ["socket"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 16, "op": "SCMP_CMP_NE"}]}""");
        Assert.Equal("ERRNO(22)", Decide(json, "socket", 16, 3, 9));
        Assert.Equal("ALLOW", Decide(json, "socket", 16, 3, 0));
        Assert.Equal("ALLOW", Decide(json, "socket", 2, 1, 9));
    }

    [Fact]
    public void OverlappingRulesOfDifferentActionsAreRefusedWithACallBothMatch()
    {
        string json = """
            {"defaultAction": "SCMP_ACT_KILL", "syscalls": [
              {"names": ["write"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 5, "op": "SCMP_CMP_GT"}]},
              {"names": ["write"], "action": "SCMP_ACT_ERRNO", "errnoRet": 3, "args": [{"index": 0, "value": 7, "op": "SCMP_CMP_GT"}, {"index": 2, "value": 1, "valueTwo": 1, "op": "SCMP_CMP_MASKED_EQ"}]}]}
            """;
        Assert.Equal(
            "profile.json:3:34: syscalls[1]: write gets SCMP_ACT_ERRNO (errnoRet 3) here and SCMP_ACT_ALLOW from syscalls[0] at 2:3, " +
            "and both match write(0x8, 0x0, 0x1, 0x0, 0x0, 0x0): libseccomp decides such a call by the shape of its tree, or refuses the rule, " +
            "so nssandbox refuses it; make the args exclusive, or give both the same action",
            Error(json));
    }

    [Fact]
    public void NamesAreTheSyscallTablesAndOnesTheArchitectureLacksAreSkipped()
    {
        // x86_64 has umount2 (166) but no umount: the kernel's entry point for 166 is called umount, the name is not.
        string json = Profile("SCMP_ACT_ERRNO",
            """{"names": ["umount", "stat64", "_llseek", "uname", "fstat"], "action": "SCMP_ACT_ALLOW"}""");
        var filter = Compile(json);
        Assert.Equal("ERRNO(1)", Decide(filter, "umount2"));
        Assert.Equal("ALLOW", Decide(filter, "uname"));
        Assert.Equal("ALLOW", Decide(filter, "fstat"));
        Assert.Equal(["umount", "stat64", "_llseek"], filter.SkippedNames.Select(n => n.Value));
        Assert.Equal("3 syscall names not on x86_64, skipped as runc skips them: _llseek, stat64, umount", filter.SkippedSummary);
        Assert.Equal(new SourceLocation(Name, 1, 61), filter.SkippedNames[0].At);
        // The kernel's entry-point names are not syscall names for libseccomp.
        Assert.Equal("newuname", Compile(Profile("SCMP_ACT_ERRNO", """{"names": ["newuname"], "action": "SCMP_ACT_ALLOW"}""")).SkippedNames.Single().Value);
    }

    [Fact]
    public void CallsAboveTheHighestNamedSyscallAnswerEnosysAsRuncsStub()
    {
        // openat2 is x86_64's 437; anything higher answers ENOSYS, lower numbers that no rule names the default.
        var filter = Compile(Stubbed("SCMP_ACT_ERRNO", """{"names": ["read", "openat2"], "action": "SCMP_ACT_ALLOW"}"""));
        Assert.Equal("ERRNO(38)", Decide(filter, "438"));
        Assert.Equal("ERRNO(38)", Decide(filter, "mseal"));
        Assert.Equal("ERRNO(38)", Decide(filter, "1073741823"));
        Assert.Equal("ERRNO(38)", Decide(filter, "-2147483648"));
        Assert.Equal("ERRNO(1)", Decide(filter, "436"));
        Assert.Equal("ALLOW", Decide(filter, "openat2"));
        Assert.Equal(437u, filter.Compiled.Policy.Newer!.Above);
        // A rule dropped for being the default's still counts, as in runc.
        var dropped = Compile(Stubbed("SCMP_ACT_ERRNO", """{"names": ["read"], "action": "SCMP_ACT_ALLOW"}""", """{"names": ["mseal"], "action": "SCMP_ACT_ERRNO"}"""));
        Assert.Equal("ERRNO(1)", Decide(dropped, "openat2"));
        Assert.Equal("ERRNO(38)", Decide(dropped, "463"));
    }

    [Theory]
    [InlineData("""{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW"}]}""", "no architectures")]
    [InlineData("""{"defaultAction": "SCMP_ACT_ERRNO", "architectures": ["SCMP_ARCH_X86"], "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW"}]}""", "not the host's")]
    [InlineData("""{"defaultAction": "SCMP_ACT_LOG", "architectures": ["SCMP_ARCH_X86_64"], "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW"}]}""", "LOG")]
    [InlineData("""{"defaultAction": "SCMP_ACT_TRACE", "architectures": ["SCMP_ARCH_X86_64"], "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW"}]}""", "TRACE")]
    [InlineData("""{"defaultAction": "SCMP_ACT_ERRNO", "architectures": ["SCMP_ARCH_X86_64"], "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW"}]}""", "only read (0)")]
    public void TheEnosysStubNeedsTheHostArchitectureListedADenyingDefaultAndANamedSyscall(string json, string why)
    {
        var filter = Compile(json);
        Assert.True(filter.Compiled.Policy.Newer is null, why);
        Assert.DoesNotContain("ERRNO(38)", Decide(filter, "999"));
    }

    [Fact]
    public void OtherArchitecturesAndX32CallsAreKilled()
    {
        var filter = Compile("""{"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"]}""");
        Assert.Equal("KILL_PROCESS", Decide(filter, SeccompInput.Call(0x40000003, 20)));
        Assert.Equal("KILL_PROCESS", Decide(filter, SeccompInput.Call(Arches.AuditArchX86_64, unchecked((int)0x40000027))));
        Assert.Equal("ALLOW", Decide(filter, "getpid"));
        Assert.Equal(
            "architectures: SCMP_ARCH_X86, SCMP_ARCH_X32 not compiled: the filter decides SCMP_ARCH_X86_64 calls only, " +
            "and a call through another ABI (i386's int 0x80, x32's numbers) kills the process",
            Assert.Single(filter.Notes));
    }

    [Fact]
    public void FlagsBecomeSeccompFlagsAndTsyncIsNotedNotPassed()
    {
        var filter = Compile("""
            {"defaultAction": "SCMP_ACT_ALLOW", "flags": ["SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW", "SECCOMP_FILTER_FLAG_TSYNC"]}
            """);
        Assert.Equal(ScmpNames.FlagLog | ScmpNames.FlagSpecAllow, filter.FilterFlags);
        Assert.Contains("SECCOMP_FILTER_FLAG_TSYNC is not passed", Assert.Single(filter.Notes));
        var waiting = Compile("""
            {"defaultAction": "SCMP_ACT_ALLOW", "listenerPath": "/a", "flags": ["SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"],
             "syscalls": [{"names": ["mount"], "action": "SCMP_ACT_NOTIFY"}]}
            """);
        Assert.Equal(ScmpNames.FlagWaitKillableRecv | ScmpNames.FlagNewListener, waiting.FilterFlags);
    }

    [Fact]
    public void AProfileCompilesForAarch64Too()
    {
        var filter = Compile(Stubbed("SCMP_ACT_ERRNO", """{"names": ["getpid", "open"], "action": "SCMP_ACT_ALLOW"}"""), Arch.Aarch64);
        Assert.Equal("ALLOW", Decide(filter, "getpid"));
        Assert.Equal("open", Assert.Single(filter.SkippedNames).Value);
        Assert.Equal("ERRNO(38)", Decide(filter, "openat2"));
    }

    [Fact]
    public void TheSeccompOfAWholeRuntimeConfigIsRead()
    {
        string json = """
            {"ociVersion": "1.0.2", "process": {"args": ["sh"], "unknown": [1, {"x": null}]},
             "linux": {"namespaces": [{"type": "pid"}],
                       "seccomp": {"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["getpid"], "action": "SCMP_ACT_BOGUS"}]}}}
            """;
        Assert.Equal("profile.json:3:104: linux.seccomp.syscalls[0]: unknown action \"SCMP_ACT_BOGUS\" (expected SCMP_ACT_KILL, " +
            "SCMP_ACT_KILL_PROCESS, SCMP_ACT_KILL_THREAD, SCMP_ACT_TRAP, SCMP_ACT_ERRNO, SCMP_ACT_TRACE, SCMP_ACT_ALLOW, SCMP_ACT_LOG or SCMP_ACT_NOTIFY)",
            Error(json));
        Assert.Equal("ALLOW", Decide(json.Replace("SCMP_ACT_BOGUS", "SCMP_ACT_ALLOW", StringComparison.Ordinal), "getpid"));
        Assert.Equal("profile.json:1:1: the runtime config has no linux.seccomp", Error("""{"ociVersion": "1.0.2", "linux": {"seccomp": null}}"""));
    }
}
