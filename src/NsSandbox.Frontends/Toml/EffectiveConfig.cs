using NsSandbox.Frontends.Cli;

namespace NsSandbox.Frontends.Toml;

/// <summary>The settings a run with --config FILE and these flags would get: its spec and its mode.</summary>
public sealed record EffectiveConfig(SandboxSpec Spec, RunMode Mode)
{
    public static EffectiveConfig Of(string file, IReadOnlyList<string> flags, string usage)
    {
        var parsed = ArgParser.Parse(["--config", file, .. flags]);
        if (parsed.Help) throw new SpecException("config", usage);
        return new EffectiveConfig(parsed.Builder.Build(commandOptional: true), parsed.Builder.Mode);
    }
}
