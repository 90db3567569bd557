using NsSandbox.Policy.Bpf;
using NsSandbox.Policy.Semantics;
using NsSandbox.Policy.Syscalls;

namespace NsSandbox.Policy.Tests;

/// <summary>Test helpers: compile text and decide one call, checking that BPF and the reference agree.</summary>
public static class Policies
{
    /// <summary>The action for a call, as "ALLOW", "ERRNO(1)", ...: the BPF result, asserted equal to the reference.</summary>
    public static string Decide(string text, string syscall, params ulong[] args) => Decide(text, Arch.X86_64, syscall, args);

    public static string Decide(string text, Arch arch, string syscall, params ulong[] args)
    {
        var compiled = PolicyCompiler.CompileText(text, arch);
        int nr = int.TryParse(syscall, out int n) ? n : Number(arch, syscall);
        var call = SeccompInput.Call(Arches.AuditArch(arch), nr, args);
        var expected = ReferenceEvaluator.Decide(compiled.Policy, call);
        Assert.Equal(SeccompRet.Describe(expected.Action.SeccompReturn), SeccompRet.Describe(BpfInterpreter.Run(compiled.Program, call)));
        return expected.Action.ToString();
    }

    public static int Number(Arch arch, string syscall) =>
        SyscallTable.For(arch).TryLookup(syscall, out var s) ? s.Number : throw new ArgumentException(syscall);

    /// <summary>The diagnostic of a policy that must not compile.</summary>
    public static string Error(string text, Arch arch = Arch.X86_64) =>
        Assert.Throws<PolicyException>(() => PolicyCompiler.CompileText(text, arch)).Diagnostic;
}
