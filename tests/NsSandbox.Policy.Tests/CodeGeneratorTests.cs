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
