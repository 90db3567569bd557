using NsSandbox.Policy.Bpf;
using NsSandbox.Policy.Semantics;
using NsSandbox.Policy.Syscalls;

namespace NsSandbox.Policy.Tests;

public class CodeGeneratorTests(ITestOutputHelper output)
{
    private const string FirstPolicy = """
        #define STDOUT 1
        #define STDERR 2

        POLICY output_only {
          ALLOW {
            write { fd == STDOUT, fd == STDERR },
            exit, exit_group, brk, mmap ON x86_64, munmap, rt_sigreturn
          },
          ERRNO(1) { openat }
        }

        USE output_only DEFAULT KILL
        """;

    [Fact]
    public void TheFirstPolicyAgreesWithTheReferenceEvaluator()
    {
        foreach (var arch in Arches.All)
        {
            var compiled = PolicyCompiler.CompileText(FirstPolicy, arch);
            output.WriteLine(BpfListing.Format(compiled.Program, arch));
            var seen = Probes.Check(compiled, seed: 1);
            Assert.True(seen[DecisionSource.Rule] > 100);
            Assert.True(seen[DecisionSource.Default] > 100);
        }
    }
}

public class RandomPolicyTests(ITestOutputHelper output)
{
    [Fact]
    public void RandomPoliciesAgreeWithTheReferenceEvaluator()
    {
        int probes = 0;
        for (int seed = 0; seed < 60; seed++)
        {
            string text = new RandomPolicy(seed).Next();
            foreach (var arch in Arches.All)
            {
                CompiledPolicy compiled;
                try { compiled = PolicyCompiler.CompileText(text, arch); }
                catch (PolicyException e) { throw new Xunit.Sdk.XunitException($"seed {seed} ({arch}): {e.Diagnostic}\n{text}"); }
                probes += Probes.Check(compiled, seed, count: 2000).Values.Sum();
            }
        }
        output.WriteLine($"{probes} probes agreed");
        output.WriteLine(new RandomPolicy(3).Next());
    }
}
