using NsSandbox.Policy;
using NsSandbox.Policy.Bpf;
using NsSandbox.Policy.Semantics;
using NsSandbox.Policy.Syscalls;
using static NsSandbox.Core.Tests.Config.ConfigFixture;

namespace NsSandbox.Core.Tests.Seccomp;

/// <summary>configs/policies/default.policy decides every syscall the tables know, allowed or EPERM, and
/// answers any other number with ENOSYS, so libc falls back from a call newer than the tables.</summary>
public sealed class DefaultPolicyTests
{
    private static CompiledPolicy Compile(Arch arch) => PolicyCompiler.CompileFile(RepoFile(DefaultFilterSource.PolicyFile), arch);

    [Theory]
    [InlineData(Arch.X86_64)]
    [InlineData(Arch.Aarch64)]
    public void EverySyscallOfTheTablesIsNamed(Arch arch)
    {
        var named = Compile(arch).Policy.Rules.Select(r => r.Number).ToHashSet();
        var table = SyscallTable.For(arch);
        var missing = table.All.Where(s => !named.Contains((uint)s.Number)).Select(s => s.Name).ToArray();
        Assert.True(missing.Length == 0, $"{DefaultFilterSource.PolicyFile} does not decide these {Arches.Name(arch)} syscalls of " +
            $"Linux {table.KernelVersion}: {string.Join(", ", missing)}; allow them or add them to docker_default_denied");
    }

    [Theory]
    [InlineData(Arch.X86_64)]
    [InlineData(Arch.Aarch64)]
    public void UnknownNumbersGetEnosysAndDeniedCallsEperm(Arch arch)
    {
        var compiled = Compile(arch);
        var table = SyscallTable.For(arch);
        uint Run(int nr) => BpfInterpreter.Run(compiled.Program, SeccompInput.Call(Arches.AuditArch(arch), nr));
        const uint Enosys = SeccompRet.Errno | 38, Eperm = SeccompRet.Errno | 1;
        int newest = table.All[^1].Number;
        foreach (int nr in new[] { newest + 1, newest + 2, 1000, 4095, int.MaxValue / 2 })
            Assert.Equal(Enosys, Run(nr));
        // Numbers inside the table's range that the kernel leaves unused get ENOSYS as well.
        var gap = Enumerable.Range(0, newest).First(n => table.ByNumber(n) is null);
        Assert.Equal(Enosys, Run(gap));
        Assert.Equal(Eperm, Run(Number(table, "mount")));
        Assert.Equal(Eperm, Run(Number(table, "mseal")));
        Assert.Equal(Enosys, Run(Number(table, "clone3")));
        Assert.Equal(SeccompRet.Allow, Run(Number(table, "read")));
        Assert.Equal(SeccompRet.Allow, Run(Number(table, "futex_wake")));
        // A known call that its argument checks refuse is denied like any other, not unknown.
        uint With(string name, ulong arg0) =>
            BpfInterpreter.Run(compiled.Program, SeccompInput.Call(Arches.AuditArch(arch), Number(table, name), arg0));
        Assert.Equal(Eperm, With("clone", 0x10000000)); // CLONE_NEWUSER
        Assert.Equal(SeccompRet.Allow, With("clone", 0x11));
        Assert.Equal(Eperm, With("socket", 40)); // AF_VSOCK
        Assert.Equal(Eperm, With("personality", 0x1234));
        Assert.Equal(new PolicyAction(ActionKind.Errno, 38), compiled.Policy.Default);
    }

    private static int Number(SyscallTable table, string name) =>
        table.TryLookup(name, out var s) ? s.Number : throw new ArgumentException(name);
}
