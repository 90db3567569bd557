using NsSandbox.Core.Plan;
using NsSandbox.Policy;
using NsSandbox.Policy.Bpf;
using NsSandbox.Policy.Syscalls;
using static NsSandbox.Core.Tests.Config.ConfigFixture;

namespace NsSandbox.Core.Tests.Seccomp;

/// <summary>The default filter built into the launcher is configs/policies/default.policy as the policy compiler
/// compiles it now. With NSS_WRITE_DEFAULT_FILTER=1 (tools/gen-default-filter.sh) the generator test writes the
/// file instead of checking it.</summary>
public sealed class DefaultFilterTests
{
    [Theory]
    [InlineData(Arch.X86_64)]
    [InlineData(Arch.Aarch64)]
    public void TheEmbeddedFilterIsTheDefaultPolicyCompiled(Arch arch)
    {
        var compiled = PolicyCompiler.CompileFile(RepoFile(DefaultFilterSource.PolicyFile), arch);
        var embedded = BpfCodec.FromBytes(DefaultFilter.For(arch));
        int differs = Enumerable.Range(0, Math.Max(embedded.Count, compiled.Program.Count))
            .FirstOrDefault(i => i >= embedded.Count || i >= compiled.Program.Count || embedded[i] != compiled.Program[i], -1);
        Assert.True(differs < 0, $"{DefaultFilterSource.GeneratedFile} is stale for {Arches.Name(arch)}: " +
            $"{DefaultFilterSource.PolicyFile} compiles to {compiled.Program.Count} instructions, the embedded filter has " +
            $"{embedded.Count}, first difference at instruction {differs}. Run {DefaultFilterSource.Command} and rebuild.");
        BpfInterpreter.Validate(embedded);
    }

    [Fact]
    public void TheGeneratedFileIsTheGeneratorsOutput()
    {
        string expected = DefaultFilterSource.Render(
            [.. Arches.All.Select(arch => PolicyCompiler.CompileFile(RepoFile(DefaultFilterSource.PolicyFile), arch))]);
        string path = RepoFile(DefaultFilterSource.GeneratedFile);
        if (Environment.GetEnvironmentVariable("NSS_WRITE_DEFAULT_FILTER") == "1") File.WriteAllText(path, expected);
        Assert.True(File.ReadAllText(path) == expected,
            $"{DefaultFilterSource.GeneratedFile} is not what the generator writes now. Run {DefaultFilterSource.Command}.");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ARunWithoutSeccompFlagsLoadsTheEmbeddedFilter(bool log)
    {
        var arch = SeccompPlanner.HostArch;
        byte[] embedded = DefaultFilter.For(arch).ToArray();
        var spec = log ? FromFlags("--seccomp_log").Seccomp : FromFlags().Seccomp;
        Assert.Equal(log ? SeccompLogMode.Apply(embedded, arch) : embedded, SeccompPlanner.Compile(spec).Filter);
        Assert.Equal("default", spec.Label);
    }
}
