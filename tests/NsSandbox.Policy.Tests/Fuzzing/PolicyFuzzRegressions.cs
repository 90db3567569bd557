using NsSandbox.Policy.Syscalls;

namespace NsSandbox.Policy.Tests.Fuzzing;

/// <summary>Inputs that once crashed or hung the compiler, each kept as it was found.</summary>
public class PolicyFuzzRegressions
{
    /// <summary>Hang: each policy USEd the previous one twice, so expanding USE copied 2^40 rules. A repeated
    /// rule can never decide, so only its first copy is kept.</summary>
    [Fact]
    public void RepeatedUseOfNestedPoliciesDoesNotExplode()
    {
        string text = "POLICY p0 { ALLOW { read, write { fd == 1 } } }\n" +
            string.Concat(Enumerable.Range(1, 40).Select(i => $"POLICY p{i} {{ USE p{i - 1}, USE p{i - 1} }}\n")) +
            "USE p40, ERRNO(1) { write } DEFAULT KILL";
        using var fuzzer = new PolicyFuzzer();
        Assert.Equal((true, 500, null), fuzzer.CheckWithin(TimeSpan.FromSeconds(60), text, Arch.X86_64, 500, 1));
        var policy = PolicyCompiler.CompileText(text, Arch.X86_64).Policy;
        Assert.Equal(3, policy.Rules.Count);
        Assert.Equal("ERRNO(1)", Policies.Decide(text, "write", 2));
        Assert.Equal("ALLOW", Policies.Decide(text, "write", 1));
    }
}
