using NsSandbox.Policy.Bpf;
using NsSandbox.Policy.Syscalls;

namespace NsSandbox.Policy.Tests.Bpf;

/// <summary>--seccomp_log's rewrite, run in the BPF interpreter: kills become LOG, every other action stays,
/// and the architecture and x32 checks still kill.</summary>
public sealed class SeccompLogModeTests
{
    private const string Policy = "POLICY p { KILL { ptrace }, KILL_PROCESS { mount }, ERRNO(7) { getppid }, ALLOW { read } } USE p DEFAULT KILL";

    [Theory]
    [InlineData(Arch.X86_64)]
    [InlineData(Arch.Aarch64)]
    public void KillsBecomeLogAndOtherActionsStay(Arch arch)
    {
        var (plain, logged) = Both(arch);
        Assert.Equal(SeccompRet.KillThread, Run(plain, arch, "ptrace"));
        Assert.Equal(SeccompRet.KillProcess, Run(plain, arch, "mount"));
        Assert.Equal(SeccompRet.Log, Run(logged, arch, "ptrace"));
        Assert.Equal(SeccompRet.Log, Run(logged, arch, "mount"));
        Assert.Equal(SeccompRet.Log, Run(logged, arch, "uname")); // the DEFAULT
        Assert.Equal(SeccompRet.Errno | 7, Run(logged, arch, "getppid"));
        Assert.Equal(SeccompRet.Allow, Run(logged, arch, "read"));
    }

    [Theory]
    [InlineData(Arch.X86_64)]
    [InlineData(Arch.Aarch64)]
    public void AnotherArchitectureIsStillKilled(Arch arch)
    {
        var (_, logged) = Both(arch);
        uint other = Arches.AuditArch(arch == Arch.X86_64 ? Arch.Aarch64 : Arch.X86_64);
        Assert.Equal(SeccompRet.KillProcess, BpfInterpreter.Run(logged, SeccompInput.Call(other, 0)));
        Assert.Equal(SeccompRet.KillProcess, BpfInterpreter.Run(logged, SeccompInput.Call(0x40000003, 20))); // i386
    }

    [Fact]
    public void X32CallsAreStillKilled()
    {
        var (_, logged) = Both(Arch.X86_64);
        uint x86_64 = Arches.AuditArch(Arch.X86_64);
        Assert.Equal(SeccompRet.KillProcess, BpfInterpreter.Run(logged, SeccompInput.Call(x86_64, 0x40000000 | 39)));
        Assert.Equal(SeccompRet.KillProcess, BpfInterpreter.Run(logged, SeccompInput.Call(x86_64, 0x40000000)));
    }

    [Fact]
    public void TheRewrittenProgramPassesTheKernelsChecks()
    {
        var (_, logged) = Both(Arch.X86_64);
        BpfInterpreter.Validate(logged);
    }

    [Theory]
    [InlineData(Arch.X86_64, 6)]
    [InlineData(Arch.Aarch64, 3)]
    public void TheChecksMayFillTheKernelsLimitButNotPassIt(Arch arch, int checks)
    {
        Assert.Equal(4096 * 8, SeccompLogMode.Apply(Loads(4096 - checks), arch).Length);
        var e = Assert.Throws<PolicyException>(() => SeccompLogMode.Apply(Loads(4097 - checks), arch));
        Assert.Null(e.Location);
        Assert.Equal("the policy with --seccomp_log's checks is 4097 instructions; the kernel takes at most 4096", e.Message);
    }

    /// <summary>A program of <paramref name="count"/> instructions: loads of nr, then ALLOW.</summary>
    private static byte[] Loads(int count) =>
        BpfCodec.ToBytes([.. Enumerable.Repeat(BpfOp.Stmt(BpfOp.LdAbsW, SeccompData.NrOffset), count - 1), Programs.Return(SeccompRet.Allow)]);

    private static (IReadOnlyList<BpfInstruction> Plain, IReadOnlyList<BpfInstruction> Logged) Both(Arch arch)
    {
        var compiled = PolicyCompiler.CompileText(Policy, arch);
        return (compiled.Program, BpfCodec.FromBytes(SeccompLogMode.Apply(compiled.Bytes, arch)));
    }

    private static uint Run(IReadOnlyList<BpfInstruction> program, Arch arch, string syscall)
    {
        Assert.True(SyscallTable.For(arch).TryLookup(syscall, out var call));
        return BpfInterpreter.Run(program, SeccompInput.Call(Arches.AuditArch(arch), call.Number));
    }
}
