using NsSandbox.Policy.Syscalls;

namespace NsSandbox.Frontends.Cli;

/// <summary>Parses a run's command line: long flags (--name VALUE, --name=VALUE, either spelling), short flags
/// (-M o, -Mo, bundled switches like -qe), then the command after -- or at the first non-flag argument.
/// A --config file is applied first wherever it stands, so every other flag overrides it; a command given
/// here replaces the file's.</summary>
public static class ArgParser
{
    public sealed record Result(SpecBuilder Builder, bool Help);

    /// <param name="only">for a subcommand that takes a few of the run's flags: any other flag is refused.</param>
    /// <param name="asNsjail">invoked as nsjail: its defaults first (<see cref="Nsjail.NsjailDefaults"/>).</param>
    public static Result Parse(IReadOnlyList<string> args, IReadOnlySet<string>? only = null, bool asNsjail = false)
    {
        var b = new SpecBuilder();
        if (asNsjail) Nsjail.NsjailDefaults.ApplyToCommandLine(b);
        var given = new List<(Flag Flag, string Value, string Origin)>();
        bool help = false;
        int i = 0;
        for (; i < args.Count; i++)
        {
            string a = args[i];
            if (a == "--") { i++; break; }
            if (a is "-h" or "--help") { help = true; continue; }
            if (a.StartsWith("--", StringComparison.Ordinal))
            {
                int eq = a.IndexOf('=');
                string name = eq < 0 ? a[2..] : a[2..eq];
                var flag = FlagTable.ByName(name) ?? NsjailFlags.AliasByName(name.Replace('-', '_'))
                    ?? throw (NsjailFlags.RefusalOf(name.Replace('-', '_')) is { } why ? new SpecException("--" + name, why) : Unknown("--" + name));
                string origin = "--" + flag.Name;
                if (!flag.TakesValue)
                {
                    if (eq >= 0) throw new SpecException(origin, "takes no value");
                    given.Add((flag, "", origin));
                    continue;
                }
                string value = eq >= 0 ? a[(eq + 1)..] : NextValue(args, ref i, origin, flag);
                given.Add((flag, value, origin));
                continue;
            }
            if (a.StartsWith('-') && a.Length > 1)
            {
                // Bundled short switches; a short flag with a value takes the rest of the word or the next one.
                for (int j = 1; j < a.Length; j++)
                {
                    var flag = FlagTable.ByShort(a[j]) ?? NsjailFlags.AliasByShort(a[j])
                        ?? throw (NsjailFlags.RefusalOf(a[j]) is { } refused ? new SpecException($"-{a[j]} (--{refused.Name})", refused.Reason) : Unknown("-" + a[j]));
                    string origin = "-" + a[j];
                    if (!flag.TakesValue)
                    {
                        given.Add((flag, "", origin));
                        continue;
                    }
                    string value = j + 1 < a.Length ? a[(j + 1)..] : NextValue(args, ref i, origin, flag);
                    given.Add((flag, value, origin));
                    break;
                }
                continue;
            }
            break; // the command starts here
        }
        if (only is not null && given.FirstOrDefault(g => !only.Contains(g.Flag.Name)) is { Flag: not null } stray)
            throw new SpecException(stray.Origin, "is not a flag of this command");
        var configs = given.Where(g => g.Flag.Name == "config").ToList();
        if (configs.Count > 1) throw new SpecException(configs[1].Origin, "given twice; a run takes one configuration file");
        foreach (var (flag, value, origin) in configs.Concat(given.Where(g => g.Flag.Name != "config")))
            flag.Apply(b, value, origin);
        if (i < args.Count)
        {
            // A command given here replaces the file's, and the file the file named to execute for it (exec_bin's arg0).
            b.Command.Clear();
            if (!given.Any(g => g.Flag.Name == "exec_file")) b.ExecFile = null;
        }
        for (; i < args.Count; i++) b.Command.Add(args[i]);
        return new Result(b, help);
    }

    private static string NextValue(IReadOnlyList<string> args, ref int i, string origin, Flag flag)
    {
        if (i + 1 >= args.Count) throw new SpecException(origin, $"expects a value ({flag.ValueName})");
        return args[++i];
    }

    private static SpecException Unknown(string flag)
    {
        string bare = flag.TrimStart('-').Replace('-', '_');
        var near = FlagTable.All
            .Select(f => (f.Name, Distance: EditDistance.Between(bare, f.Name)))
            .Where(x => x.Distance <= (bare.Length >= 6 ? 2 : 1)).OrderBy(x => x.Distance).Take(2)
            .Select(x => "--" + x.Name).ToList();
        return new SpecException(flag, near.Count > 0 ? $"unknown flag; did you mean {string.Join(" or ", near)}?" : "unknown flag; see --help");
    }
}
