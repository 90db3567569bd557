using System.Text.Json;
using NsSandbox.Core.Plan;

namespace NsSandbox.Core.Oci;

/// <summary>linux.seccomp compiled to a filter. Without one, the container runs unfiltered as with runc, unless
/// the runtime is hardened, when our default policy applies.</summary>
public static class OciSeccomp
{
    public static SeccompProgram Compile(JsonElement? seccomp, OciRuntimeOptions options)
    {
        if (seccomp is { ValueKind: not JsonValueKind.Null })
            throw new SpecException("config.json", "linux.seccomp: the OCI seccomp form is not supported yet (docker: --security-opt seccomp=unconfined)");
        return options.Hardened ? new SeccompProgram(DefaultFilter.For(SeccompPlanner.HostArch).ToArray(), "default", log: false) : SeccompProgram.None;
    }
}
