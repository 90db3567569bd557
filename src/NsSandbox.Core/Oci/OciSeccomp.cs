using System.Text.Json;
using NsSandbox.Core.Plan;
using NsSandbox.Policy;

namespace NsSandbox.Core.Oci;

/// <summary>linux.seccomp compiled to a filter by our code generator, with runc's meaning (docs/oci-seccomp.md); its
/// flags go to seccomp(2). Without one, the container runs unfiltered as with runc, unless the runtime is hardened,
/// when our default policy applies.</summary>
public static class OciSeccomp
{
    private const string Origin = "config.json";

    public static SeccompProgram Compile(string bundle, JsonElement? seccomp, OciRuntimeOptions options)
    {
        if (seccomp is not { ValueKind: not JsonValueKind.Null })
            return options.Hardened ? new SeccompProgram(DefaultFilter.For(SeccompPlanner.HostArch).ToArray(), "default", log: false) : SeccompProgram.None;
        Policy.Oci.OciSeccompFilter filter;
        try
        {
            // The file itself, not the element, so that a mistake is reported at its line and column in config.json.
            filter = PolicyCompiler.CompileOci(File.ReadAllBytes(Path.Combine(bundle, "config.json")), Origin, SeccompPlanner.HostArch);
        }
        catch (PolicyException e)
        {
            throw new SpecException(e.Location?.ToString() ?? Origin, e.Message);
        }
        if (filter.UsesNotify)
            throw new SpecException(Origin, "linux.seccomp: SCMP_ACT_NOTIFY is not supported yet (the listener's fd would go to " +
                $"{filter.ListenerPath}, the seccomp agent)");
        return new SeccompProgram(filter.Compiled.Bytes, "linux.seccomp", log: false) { Flags = filter.FilterFlags };
    }
}
