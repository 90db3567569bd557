using NsSandbox.Core.Plan;
using System.Text.Json;
using System.Text.Json.Serialization;
using NsSandbox.Frontends.Cli;
using NsSandbox.Frontends.Toml;

namespace NsSandbox.Core.Tests.Config;

/// <summary>Builds specs from TOML text and flags, and compares them field by field (as JSON).</summary>
internal static class ConfigFixture
{
    public static string RepoFile(string relative)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "NsSandbox.sln"))) return Path.Combine(dir.FullName, relative);
        throw new FileNotFoundException(relative);
    }

    /// <summary>A spec from a configuration text (and flags after it), as a run with --config would get it.</summary>
    public static SandboxSpec FromToml(string toml, params string[] flags)
    {
        string file = Path.Combine(Path.GetTempPath(), $"nss-config-test-{Guid.NewGuid():N}.toml");
        File.WriteAllText(file, toml);
        try
        {
            return EffectiveConfig.Of(file, flags, "usage").Spec;
        }
        finally
        {
            File.Delete(file);
        }
    }

    public static SandboxSpec FromFlags(params string[] flags) => ArgParser.Parse(flags).Builder.Build(commandOptional: true);

    /// <summary>The spec and the mode, as <c>config show</c> gets them.</summary>
    public static EffectiveConfig EffectiveFromFlags(params string[] flags)
    {
        var b = ArgParser.Parse(flags).Builder;
        return new EffectiveConfig(b.Build(commandOptional: true), b.Mode, b.BuildListen());
    }

    public static EffectiveConfig EffectiveFromToml(string toml)
    {
        string file = Path.Combine(Path.GetTempPath(), $"nss-config-test-{Guid.NewGuid():N}.toml");
        File.WriteAllText(file, toml);
        try
        {
            return EffectiveConfig.Of(file, [], "usage");
        }
        finally
        {
            File.Delete(file);
        }
    }

    public static string Dump(SandboxSpec spec) => JsonSerializer.Serialize(spec, SpecJson.Default.SandboxSpec);

    public static string Dump(EffectiveConfig c) => c.Mode + "\n" + c.Listen + "\n" + Dump(c.Spec);

    /// <summary>The error a configuration text gives, as the launcher prints it after "nssandbox: ".</summary>
    public static string Error(string toml, string file = "t.toml")
    {
        var b = new SpecBuilder();
        var e = Assert.Throws<SpecException>(() =>
        {
            ConfigLoader.ApplyText(b, toml, file);
            // What config check does: the spec, then the planner's checks against the host.
            Planner.Check(b.Build(commandOptional: true), new RealHostView());
        });
        return $"{e.Origin}: {e.Message}";
    }
}

[JsonSourceGenerationOptions(WriteIndented = true, UseStringEnumConverter = true)]
[JsonSerializable(typeof(SandboxSpec))]
internal sealed partial class SpecJson : JsonSerializerContext;
