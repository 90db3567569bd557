using System.Text;
using NsSandbox.Frontends.Cli;

namespace NsSandbox.Reliability.Tests;

/// <summary>Inputs for the fuzzers, from a seeded Random (the seed is in every failure, so a case can be made
/// again): command lines built from the launcher's own flag table and values chosen to break parsers, and
/// configuration files mutated from seeds. Every path it names is relative (the tests run it in a directory of
/// their own) or does not exist: a fuzzed run must never write outside the test's directory.</summary>
public sealed class Fuzz(int seed)
{
    private readonly Random _random = new(seed);

    public int Seed => seed;

    /// <summary>Values a flag may be given: empty, blank, signs, huge and odd numbers, units, lists, addresses,
    /// names, long and non-ASCII text, and relative paths.</summary>
    public static readonly string[] Values =
    [
        "", " ", "\t", "\n", "-", "--", ".", "..", "../..", "x", "dir/", "a b", "=", "=x", "a=b", ":", "::", "1:", ":1",
        "-1", "0", "1", "2", "65534", "4294967295", "4294967296", "18446744073709551615", "18446744073709551616",
        "99999999999999999999999", "1e308", "1e-308", "NaN", "Infinity", "-Infinity", "0x10", "0x", "010", "+5", "1.5", ".5", "5.",
        "1K", "1G", "8T", "9999999T", "512MiB", "1b", "inf", "unlimited", "soft", "def", "hard", "max", "auto", "v1", "v2", "3",
        "o", "once", "e", "execve", "l", "r", "listen", "none", "host", "egress", "macvlan",
        "10.0.0.0/8", "0.0.0.0/0", "::/0", "1.2.3.4/33", "1.2.3.4", "fe80::1%lo", "300.1.1.1", "8080:80", "0:80", "65536:1", "1:2:3",
        "0:0:1", "0:65534:1", "0:0:4294967295", "root:nobody:1", "nobody", "root", "no-such-user", "aa:bb:cc:dd:ee:ff", "zz:zz",
        "/nonexistent-nss-fuzz", "/nonexistent-nss-fuzz:/x", "x:/y", "/proc", "/dev", "/data", "relative/path",
        new string('x', 300), new string('/', 300), "é", "日本", "\u200b", "%s%n", "$(true)", "`true`", "ALLOW { read } DEFAULT KILL",
        "DEFAULT", "KILL {", "#include \"x\"",
    ];

    /// <summary>Flags the binary fuzzer leaves out: they would write beside the test (a log file the error then goes
    /// to), keep a /data by design, or set up a host interface. (Flags that make the command itself die by a
    /// fatal signal, --disable_tsc or a small --rlimit_as, are in: the run's report tells that from a crash.)</summary>
    public static readonly HashSet<string> NotThroughTheBinary =
        ["log", "keep_data", "macvlan_iface", "cgroup_parent", "cgroupv2_mount"];

    public T Pick<T>(IReadOnlyList<T> items) => items[_random.Next(items.Count)];

    public bool Chance(double p) => _random.NextDouble() < p;

    /// <summary>A command line: some flags in their spellings (--name VALUE, --name=VALUE, kebab-case, -s VALUE,
    /// -sVALUE), now and then an unknown one or a bare value, and maybe a command.</summary>
    public List<string> CommandLine(IEnumerable<Flag> flags)
    {
        var pool = flags.ToList();
        var args = new List<string>();
        int count = _random.Next(1, 7);
        for (int i = 0; i < count; i++)
        {
            if (Chance(0.05))
            {
                args.Add(Pick(["--nonexistent-flag", "-", "-Z", "--=", "---x", Pick(Values)]));
                continue;
            }
            var flag = Pick(pool);
            string name = Chance(0.2) ? flag.Name.Replace('_', '-') : flag.Name;
            if (!flag.TakesValue)
            {
                args.Add(flag.Short is { } s && Chance(0.3) ? $"-{s}" : Chance(0.05) ? $"--{name}=x" : $"--{name}");
                continue;
            }
            string value = Pick(Values);
            switch (_random.Next(4))
            {
                case 0: args.AddRange([$"--{name}", value]); break;
                case 1: args.Add($"--{name}={value}"); break;
                case 2 when flag.Short is { } s: args.AddRange([$"-{s}", value]); break;
                case 3 when flag.Short is { } s: args.Add($"-{s}{value}"); break;
                default: args.AddRange([$"--{name}", value]); break;
            }
            if (Chance(0.05)) args.RemoveAt(args.Count - 1); // a flag that lost its value
        }
        if (Chance(0.6)) args.AddRange(Chance(0.5) ? ["--", "/bin/true"] : Chance(0.5) ? ["/bin/true"] : ["--", Pick(Values)]);
        return args;
    }

    /// <summary>TOML values of every kind, and strings that break paths and numbers.</summary>
    private static readonly string[] TomlValues =
    [
        "\"\"", "\"\\u0000\"", "\"a\\u0000b\"", "\"/\"", "\"-\"", "\" \"", "\"..\"", "\"a\\nb\"", "-1", "0", "1", "65534",
        "9223372036854775807", "-9223372036854775808", "99999999999999999999", "1.5", "-0.0", "nan", "inf", "-inf", "1e308",
        "true", "false", "[]", "[1, \"a\"]", "[\"\"]", "[\"\\u0000\"]", "[[]]", "{}", "{ a = 1 }", "1979-05-27T07:32:00Z",
        "07:32:00", "\"1G\"", "\"99999999999999999999T\"", "\"0x10\"", "'literal'", "\"\"\"multi\nline\"\"\"", "\"-20\"",
        "\"::\"", "\"1:2:3\"", "\"0:0:4294967295\"", "\"NaN\"", "\"/nonexistent-nss-fuzz\"", "\"relative/x\"", "\"x\"",
        "\"ALLOW { read } DEFAULT KILL\"", "\"DEFAULT KILL {\"", "\"egress\"", "\"execve\"", "\"bind\"", "\"tmpfs\"", "\"file\"",
    ];

    private static readonly string[] TomlLines =
    [
        "[[fs.mount]]", "[fs", "[exec]", "[exec]\npath = \"\"", "[[fs.mount]]\ntype = \"file\"\ndst = \"/x\"\ncontent = \"\\u0000\"",
        "[[fs.mount]]\ntype = \"tmpfs\"\ndst = \"\"", "[[fs.mount]]\nsrc = \"\"", "a.b.c = 1", "= 1", "\"\\u0000\" = 1", "[unknown]",
        "exec.path = \"/bin/true\"", "[net]\nmode = \"macvlan\"", "\u0000", "\ufeff", "key = ", "[[exec]]", "[fs.mount]",
    ];

    /// <summary>One to three mutations of <paramref name="seed"/>: a value replaced, a line dropped, doubled or
    /// swapped with a key of another line, a line added, the text cut short, or a character changed.</summary>
    public string MutateToml(string seed) => Mutate(seed, TomlValues, TomlLines, " = ");

    private static readonly string[] NsjailValues =
    [
        "\"\"", "\"\\0\"", "\"a\\x00b\"", "\"\\377\"", "-1", "0", "1", "99999999999999999999", "0x", "0x10", "010", "1e5", "true",
        "false", "{ }", "ONCE", "EXECVE", "LISTEN", "VALUE", "SOFT", "INF", "'x'", "\"/\"", "\"..\"", "\"/nonexistent-nss-fuzz\"",
        "\"relative\"", "\"ALLOW { read } DEFAULT KILL\"", "{ src: \"\" dst: \"\" }",
    ];

    private static readonly string[] NsjailLines =
    [
        "mount { }", "mount { src: \"\" dst: \"/x\" is_bind: true }", "mount { dst: \"\" fstype: \"tmpfs\" }", "mount {",
        "}", "exec_bin { }", "exec_bin { path: \"\" }", "uidmap { inside_id: \"\" outside_id: \"\" count: 0 }",
        "unknown_field: 1", "name:", ": 1", "mode: 7", "\u0000", "# comment", "envar: \"\"", "seccomp_policy_file: \"\"",
        "log_file: \"\"", "chroot_dir: \"\"",
    ];

    public string MutateNsjail(string seed) => Mutate(seed, NsjailValues, NsjailLines, ": ");

    private string Mutate(string seed, string[] values, string[] lines, string assign)
    {
        var text = seed.Split('\n').ToList();
        int mutations = _random.Next(1, 4);
        for (int m = 0; m < mutations && text.Count > 0; m++)
        {
            int at = _random.Next(text.Count);
            string line = text[at];
            int eq = line.IndexOf(assign.Trim(), StringComparison.Ordinal);
            switch (_random.Next(8))
            {
                case 0 or 1 when eq > 0 && !line.TrimStart().StartsWith('#'):
                    text[at] = line[..eq] + assign + Pick(values);
                    break;
                case 2: text.RemoveAt(at); break;
                case 3: text.Insert(at, line); break;
                case 4 when eq > 0:
                    string other = Pick(text);
                    int oeq = other.IndexOf(assign.Trim(), StringComparison.Ordinal);
                    if (oeq > 0) text[at] = other[..oeq] + line[eq..];
                    break;
                case 5: text.Insert(at, Pick(lines)); break;
                case 6:
                    string joined = string.Join('\n', text);
                    text = joined[.._random.Next(joined.Length + 1)].Split('\n').ToList();
                    break;
                default:
                    if (line.Length == 0) break;
                    var chars = new StringBuilder(line);
                    chars[_random.Next(line.Length)] = Pick(['"', '\'', '[', ']', '{', '}', '=', ':', '\\', '#', '\0', '\u00e9', ' ', '\t', '0']);
                    text[at] = chars.ToString();
                    break;
            }
        }
        return string.Join('\n', text);
    }
}
