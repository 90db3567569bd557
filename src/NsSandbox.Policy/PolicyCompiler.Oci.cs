using System.Text;
using NsSandbox.Policy.Codegen;
using NsSandbox.Policy.Oci;
using NsSandbox.Policy.Syscalls;

namespace NsSandbox.Policy;

// OCI seccomp profiles (runtime-spec's linux.seccomp, Docker's profile format) through the same code generator.
public static partial class PolicyCompiler
{
    /// <summary>Compiles the seccomp of a runtime config, or a profile alone, given as JSON text. Docker's format
    /// is refused unless <paramref name="docker"/> says what to resolve it for, and always in a runtime config
    /// (dockerd resolves it before it writes config.json, so a runtime never gets it).</summary>
    public static OciSeccompFilter CompileOci(string json, string name, Arch arch, DockerTarget? docker = null) =>
        CompileOci(Encoding.UTF8.GetBytes(json), name, arch, docker);

    /// <summary>Reads and compiles a file: a runtime config (config.json) or a profile.</summary>
    public static OciSeccompFilter CompileOciFile(string path, Arch arch, DockerTarget? docker = null) =>
        CompileOci(Syntax.IncludeLoader.Read(Path.GetFullPath(path), path, at: null), path, arch, docker);

    public static OciSeccompFilter CompileOci(byte[] utf8, string name, Arch arch, DockerTarget? docker = null)
    {
        var profile = OciSeccompParser.Parse(utf8, name);
        if (profile.DockerField is { } field)
        {
            if (docker is null || profile.InRuntimeConfig)
                throw new PolicyException(field.At, $"'{field.Value}' belongs to Docker's profile format, which dockerd resolves " +
                    "before it writes config.json: a runtime config holds the resolved form (nssandbox policy check --oci reads Docker's format)");
            return CompileOci(DockerProfile.Resolve(profile, docker), arch) with { FromDockerFormat = true };
        }
        return CompileOci(profile, arch);
    }

    /// <summary>Compiles a profile already read (in runtime-spec form).</summary>
    public static OciSeccompFilter CompileOci(OciSeccomp profile, Arch arch)
    {
        var resolved = OciResolver.Resolve(profile, arch);
        var program = CodeGenerator.Generate(resolved.Policy, profile.At);
        return new OciSeccompFilter
        {
            Compiled = new CompiledPolicy(arch, resolved.Policy, program),
            Profile = profile,
            FilterFlags = resolved.FilterFlags,
            SkippedNames = resolved.SkippedNames,
            Notes = resolved.Notes,
        };
    }
}
