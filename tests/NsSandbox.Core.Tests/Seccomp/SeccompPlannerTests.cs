using NsSandbox.Core.Plan;
using NsSandbox.Policy;
using NsSandbox.Policy.Bpf;
using NsSandbox.Policy.Syscalls;
using static NsSandbox.Core.Tests.Config.ConfigFixture;

namespace NsSandbox.Core.Tests.Seccomp;

/// <summary>Choosing and compiling the run's policy (the built-in default: DefaultFilterTests): the shipped
/// policies compile on both architectures, and a bad policy is a usage error at its position.</summary>
public sealed class SeccompPlannerTests
{
    [Theory]
    [InlineData("default.policy", Arch.X86_64)]
    [InlineData("default.policy", Arch.Aarch64)]
    [InlineData("minimal.policy", Arch.X86_64)]
    [InlineData("minimal.policy", Arch.Aarch64)]
    public void TheShippedPoliciesCompileOnBothArchitectures(string file, Arch arch)
    {
        var compiled = PolicyCompiler.CompileFile(RepoFile("configs/policies/" + file), arch);
        BpfInterpreter.Validate(compiled.Program);
        Assert.InRange(compiled.Program.Count, 10, 1000);
    }

    [Fact]
    public void NoFlagMeansTheDefaultAndDisableMeansNoFilter()
    {
        Assert.Equal("default", FromFlags().Seccomp.Label);
        Assert.NotNull(SeccompPlanner.Compile(FromFlags().Seccomp).Filter);
        // No filter is an explicit plan value, never a null a caller could pass by forgetting it.
        Assert.Same(SeccompProgram.None, SeccompPlanner.Compile(FromFlags("--disable_seccomp").Seccomp));
        Assert.Null(SeccompProgram.None.Filter);
        Assert.Equal("none", SeccompProgram.None.Label);
        Assert.Equal("none", FromFlags("--disable_seccomp").Seccomp.Label);
    }

    [Fact]
    public void ABadStringIsAUsageErrorAtItsLineAndColumn()
    {
        var e = Assert.Throws<SpecException>(() => SeccompPlanner.Compile(
            FromFlags("--seccomp_string", "POLICY p { ALLOW { read } }", "--seccomp_string", "USE p DEFAULT KIL").Seccomp));
        Assert.StartsWith("--seccomp_string:2:", e.Origin);
    }

    [Fact]
    public void AStringAfterAFileCountsLinesFromTheStrings()
    {
        string file = Path.Combine(Path.GetTempPath(), $"nss-planner-{Guid.NewGuid():N}.policy");
        File.WriteAllText(file, "POLICY p { ALLOW { read } }\n");
        try
        {
            var e = Assert.Throws<SpecException>(() => SeccompPlanner.Compile(
                FromFlags("--seccomp_policy", file, "--seccomp_string", "USE q DEFAULT KILL").Seccomp));
            Assert.StartsWith("--seccomp_string:1:", e.Origin);
            Assert.NotNull(SeccompPlanner.Compile(FromFlags("--seccomp_policy", file, "--seccomp_string", "USE p DEFAULT KILL").Seccomp).Filter);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void DisableCannotBeCombinedWithAPolicyInTheSameFile()
    {
        var e = Assert.Throws<SpecException>(() => FromToml("[seccomp]\ndisable-seccomp = true\nseccomp-log = true"));
        Assert.Contains("seccomp.disable-seccomp", e.Origin);
    }

    [Fact]
    public void AConfigFilesRelativePolicyIsTakenFromItsDirectory()
    {
        var spec = FromToml("[seccomp]\nseccomp-policy = \"policies/job.policy\"");
        Assert.Equal(Path.Combine(Path.GetTempPath(), "policies", "job.policy"), spec.Seccomp.PolicyFile);
        Assert.Equal("/srv/job.policy", FromFlags("--config", RepoFile("configs/default.toml"), "--seccomp_policy", "/srv/job.policy").Seccomp.PolicyFile);
    }

    [Fact]
    public void AnOciProfileIsTheWholeFilterWithItsFlags()
    {
        string file = Path.Combine(Path.GetTempPath(), $"nss-planner-{Guid.NewGuid():N}.json");
        File.WriteAllText(file, """
            {"defaultAction": "SCMP_ACT_ALLOW", "flags": ["SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW"],
             "syscalls": [{"names": ["getppid"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13}]}
            """);
        try
        {
            var spec = FromFlags("--seccomp_oci", file).Seccomp;
            Assert.Equal((file, false), (spec.Label, spec.UsesDefault));
            var program = SeccompPlanner.Compile(spec);
            Assert.Equal(2u | 4u, program.Flags);
            var filter = BpfCodec.FromBytes(program.Filter);
            var getppid = SeccompInput.Call(Arches.AuditArch(SeccompPlanner.HostArch), SyscallTable.For(SeccompPlanner.HostArch).TryLookup("getppid", out var s) ? s.Number : -1);
            Assert.Equal(SeccompRet.Errno | 13, BpfInterpreter.Run(filter, getppid));
            Assert.Equal("--seccomp_oci", Assert.Throws<SpecException>(() => FromFlags("--seccomp_oci", file, "--seccomp_policy", file)).Origin);
            // A runtime config's seccomp may not be in Docker's format, which dockerd resolves before it writes one.
            File.WriteAllText(file, """{"linux": {"seccomp": {"defaultAction": "SCMP_ACT_ALLOW", "archMap": []}}}""");
            Assert.StartsWith($"{file}:1:", Assert.Throws<SpecException>(() => SeccompPlanner.Compile(FromFlags("--seccomp_oci", file).Seccomp)).Origin);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void AConfigFilesRelativeOciProfileIsTakenFromItsDirectory() =>
        Assert.Equal(Path.Combine(Path.GetTempPath(), "profiles", "job.json"), FromToml("[seccomp]\nseccomp-oci = \"profiles/job.json\"").Seccomp.OciProfile);
}
