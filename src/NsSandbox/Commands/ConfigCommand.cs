using NsSandbox.Core.Plan;
using NsSandbox.Frontends;
using NsSandbox.Frontends.Toml;

namespace NsSandbox.Commands;

/// <summary><c>nssandbox config check FILE</c> validates a file (TOML or nsjail's) as a run would (without
/// needing a command), host checks included; <c>nssandbox config show FILE [flags] [-- COMMAND]</c> prints the
/// effective configuration as TOML; <c>config import FILE.cfg</c> is show for an nsjail config, which it
/// requires. Errors are <see cref="SpecException"/>s, reported like a run's.</summary>
public static class ConfigCommand
{
    public const string Usage = "usage: nssandbox config check FILE | nssandbox config show FILE [flags] [-- COMMAND...] | nssandbox config import FILE.cfg";

    public static int Run(IReadOnlyList<string> args, TextWriter stdout)
    {
        if (args.Count < 2 || args[1].StartsWith('-') || (args[0] is "check" or "import" && args.Count > 2) || args[0] is not ("check" or "show" or "import"))
            throw new SpecException("config", Usage);
        if (args[0] == "import" && ConfigFile.Detect(ConfigFile.Read(args[1], "config import")) != ConfigFile.Format.Nsjail)
            throw new SpecException("config import", $"{args[1]} is not an nsjail config (protobuf text format); it needs no import");
        var effective = EffectiveConfig.Of(args[1], args.Skip(2).ToList(), Usage);
        if (args[0] == "check")
        {
            Planner.Check(effective.Spec, new RealHostView());
            stdout.WriteLine($"{args[1]}: ok");
        }
        else stdout.Write(ConfigWriter.Write(effective));
        return 0;
    }
}
