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

    /// <summary>Slow: a megabyte-long unknown name took seconds of edit distances for "did you mean", and the
    /// message quoted all of it. Names of such lengths are compared only with names of similar length, and
    /// messages quote 40 characters at most.</summary>
    [Fact]
    public void HugeNamesAndNumbersAreRefusedQuicklyWithAShortMessage()
    {
        using var fuzzer = new PolicyFuzzer();
        string name = new('a', 1_000_000), digits = new('9', 1_000_000);
        foreach (string text in new[] { $"ALLOW {{ {name} }}", $"ALLOW {{ write {{ fd == {digits} }} }}", $"#{name}" })
            Assert.Equal((false, 0, null), fuzzer.CheckWithin(TimeSpan.FromSeconds(60), text, Arch.X86_64, 10, 1));
        Assert.Equal($"<string>:1:9: unknown syscall '{new string('a', 37)}...' on x86_64", Policies.Error($"ALLOW {{ {name} }}"));
        Assert.Equal($"<string>:1:23: invalid number '{new string('9', 37)}...' (expected decimal, 0x hex, 0 octal or 0b binary, at most 64 bits)",
            Policies.Error($"ALLOW {{ write {{ fd == {digits} }} }}"));
        Assert.StartsWith("<string>:1:9: unknown syscall 'aaaaa' on x86_64", Policies.Error("ALLOW { aaaaa }"));
        // kafel's names have no length limit, and neither have ours.
        string longName = new('b', 129);
        Assert.Equal("ERRNO(1)", Policies.Decide($"#define {longName} 1\nERRNO({longName}) {{ write }}", "write"));
    }

    /// <summary>Found by review while fuzzing: an endless file (a device) was read into memory without bound.</summary>
    [Fact]
    public void AnEndlessFileIsRefusedNotReadForever()
    {
        using var fuzzer = new PolicyFuzzer();
        Assert.Equal((false, 0, null), fuzzer.CheckWithin(TimeSpan.FromSeconds(120), "#include \"/dev/zero\"\nALLOW { read }", Arch.X86_64, 10, 1));
        Assert.Equal("<string>:1:10: policy file '/dev/zero' is longer than 16 Mi characters", Policies.Error("#include \"/dev/zero\"\nALLOW { read }"));
        var error = Assert.Throws<PolicyException>(() => PolicyCompiler.CompileFile("/dev/zero", Arch.X86_64));
        Assert.Equal("policy file '/dev/zero' is longer than 16 Mi characters", error.Diagnostic);
    }

    /// <summary>Invalid program: where every call gets KILL_PROCESS, the architecture check's two branches met
    /// and the generator wrote only the load of the architecture, without a return.</summary>
    [Fact]
    public void APolicyThatKillsEveryCallIsOneReturn()
    {
        foreach (var arch in Arches.All)
        {
            var compiled = PolicyCompiler.CompileText("KILL_PROCESS { read { fd == 1 } } DEFAULT KILL_PROCESS", arch);
            Assert.Equal([NsSandbox.Policy.Bpf.BpfOp.Stmt(NsSandbox.Policy.Bpf.BpfOp.RetK, NsSandbox.Policy.Bpf.SeccompRet.KillProcess)], compiled.Program);
            Probes.Check(compiled, seed: 1, count: 200);
        }
    }
}
