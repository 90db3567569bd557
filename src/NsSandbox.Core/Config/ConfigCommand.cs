using NsSandbox.Core.Cli;
using NsSandbox.Core.Spec;

namespace NsSandbox.Core.Config;

/// <summary><c>nssandbox config check FILE</c> validates a file as a run would (without needing a command);
/// <c>nssandbox config show FILE [flags] [-- COMMAND]</c> prints the effective configuration as TOML.
/// Errors are <see cref="SpecException"/>s, reported like a run's.</summary>
public static class ConfigCommand
{
    public const string Usage = "usage: nssandbox config check FILE | nssandbox config show FILE [flags] [-- COMMAND...]";

    public static int Run(IReadOnlyList<string> args, TextWriter stdout)
    {
        if (args.Count < 2 || args[1].StartsWith('-') || (args[0] == "check" && args.Count > 2) || args[0] is not ("check" or "show"))
            throw new SpecException("config", Usage);
        var spec = Effective(args[1], args.Skip(2).ToList());
        if (args[0] == "check") stdout.WriteLine($"{args[1]}: ok");
        else stdout.Write(ConfigWriter.Write(spec));
        return 0;
    }

    /// <summary>The spec a run with --config FILE and these flags would get.</summary>
    public static SandboxSpec Effective(string file, IReadOnlyList<string> flags)
    {
        var parsed = ArgParser.Parse(["--config", file, .. flags]);
        if (parsed.Help) throw new SpecException("config", Usage);
        return parsed.Builder.Build(commandOptional: true);
    }
}
