using NsSandbox.Policy.Bpf;
using NsSandbox.Policy.Oci;
using NsSandbox.Policy.Semantics;
using NsSandbox.Policy.Syscalls;

namespace NsSandbox.Policy.Tests.Oci;

/// <summary>Test helpers for OCI profiles: compile JSON, decide one call on the compiled program, and check that it
/// agrees with both the profile's reference evaluation and the resolved policy's.</summary>
public static class OciProfiles
{
    public const string Name = "profile.json";

    public static OciSeccompFilter Compile(string json, Arch arch = Arch.X86_64, DockerTarget? docker = null) =>
        PolicyCompiler.CompileOci(json, Name, arch, docker);

    /// <summary>The action for a call as "ALLOW", "ERRNO(1)", ...; the BPF result asserted equal to both references.</summary>
    public static string Decide(string json, string syscall, params ulong[] args) => Decide(Compile(json), syscall, args);

    public static string Decide(OciSeccompFilter filter, string syscall, params ulong[] args)
    {
        var arch = filter.Compiled.Arch;
        int nr = int.TryParse(syscall, out int n) ? n : Policies.Number(arch, syscall);
        return Decide(filter, SeccompInput.Call(Arches.AuditArch(arch), nr, args));
    }

    public static string Decide(OciSeccompFilter filter, SeccompInput call)
    {
        var expected = OciReferenceEvaluator.Decide(filter.Profile, filter.Compiled.Arch, call);
        uint actual = BpfInterpreter.RunValidated(filter.Compiled.Program, call, out _);
        Assert.Equal(SeccompRet.Describe(expected.Action.SeccompReturn), SeccompRet.Describe(actual));
        Assert.Equal(ReferenceEvaluator.Decide(filter.Compiled.Policy, call).Action, expected.Action);
        return expected.Action.ToString();
    }

    /// <summary>The diagnostic of a profile that must not compile.</summary>
    public static string Error(string json, Arch arch = Arch.X86_64, DockerTarget? docker = null) =>
        Assert.Throws<PolicyException>(() => Compile(json, arch, docker)).Diagnostic;

    /// <summary>A profile with the default and the syscalls entries given (JSON text of the array's items); it lists no
    /// architectures, so runc's ENOSYS stub does not apply.</summary>
    public static string Profile(string defaultAction, params string[] rules) =>
        $$"""{"defaultAction": "{{defaultAction}}", "syscalls": [{{string.Join(",\n", rules)}}]}""";

    /// <summary>A profile that lists both architectures, so calls above its highest syscall answer ENOSYS.</summary>
    public static string Stubbed(string defaultAction, params string[] rules) =>
        $$"""{"defaultAction": "{{defaultAction}}", "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_AARCH64"], "syscalls": [{{string.Join(",\n", rules)}}]}""";
}
