using NsSandbox.Frontends.Cli;

namespace NsSandbox.Frontends.Toml;

/// <summary>The settings a run with --config FILE and these flags would get: its spec, its mode and the mode's
/// settings (mode listen's; null in other modes).</summary>
public sealed record EffectiveConfig(SandboxSpec Spec, RunMode Mode, ListenSpec? Listen = null)
{
    public static EffectiveConfig Of(string file, IReadOnlyList<string> flags, string usage)
    {
        var parsed = ArgParser.Parse(["--config", file, .. flags]);
        if (parsed.Help) throw new SpecException("config", usage);
        return new EffectiveConfig(parsed.Builder.Build(commandOptional: true), parsed.Builder.Mode, parsed.Builder.BuildListen());
    }
}
