using System.Globalization;
using Tomlyn.Syntax;

namespace NsSandbox.Frontends.Toml;

/// <summary>Applies a TOML configuration file to a spec builder through the flags themselves: each key's value
/// becomes the text its flag takes and goes through the flag's own parser and validation, with the key's
/// file:line:column as the origin of any error.</summary>
public static class ConfigLoader
{
    /// <summary>Keys of the file that have no flag: the command, which on the command line comes after --.</summary>
    public static readonly IReadOnlyList<string> ExecPaths = ["exec.path", "exec.args"];

    public static void ApplyText(SpecBuilder b, string text, string file)
    {
        string? path = null;
        Setting? args = null;
        var argv = new List<string>();
        foreach (object item in ConfigSyntax.Read(text, file))
        {
            if (item is MountTable mount)
            {
                MountTableLoader.Apply(b, mount, file);
                continue;
            }
            var s = (Setting)item;
            string origin = Origin(file, s.Value.Span.Start, s.Path);
            switch (s.Path)
            {
                case "exec.path":
                    path = Text(s.Value, origin, "a string");
                    break;
                case "exec.args":
                    args = s;
                    argv.AddRange(Items(s.Value, origin).Select(i => i.Text));
                    break;
                default:
                    var key = ConfigKeys.ByPath(s.Path) ?? throw ConfigSyntax.Unknown(file, s.KeyAt, s.Path, null);
                    ApplyKey(b, key, s.Value, file, origin);
                    break;
            }
        }
        if (args is not null && path is null)
            throw new SpecException(Origin(file, args.KeyAt, args.Path), "needs exec.path (the program the arguments are for)");
        if (path is not null)
        {
            b.Command.Clear();
            b.Command.Add(path);
            b.Command.AddRange(argv);
        }
    }

    private static void ApplyKey(SpecBuilder b, ConfigKey key, ValueSyntax value, string file, string origin)
    {
        switch (key.Type)
        {
            case ConfigType.Switch:
                if (value is not BooleanValueSyntax flag) throw WrongType(origin, "a boolean (true or false)", value);
                if (flag.Value) key.Flag.Apply(b, "", origin);
                break;
            case ConfigType.Text:
                string str = Text(value, origin, "a string");
                if (ConfigKeys.RelativeToFile.Contains(key.Flag.Name) && !string.IsNullOrWhiteSpace(str) && !Path.IsPathRooted(str))
                    str = ConfigFile.RelativeTo(file, str);
                key.Flag.Apply(b, str, origin);
                break;
            case ConfigType.Number:
                key.Flag.Apply(b, value switch
                {
                    IntegerValueSyntax n => InRange(n.Value, key.Min, key.Max, origin).ToString(CultureInfo.InvariantCulture),
                    StringValueSyntax s => s.Value!,
                    _ => throw WrongType(origin, "a whole number or a string", value),
                }, origin);
                break;
            case ConfigType.Duration:
                key.Flag.Apply(b, value switch
                {
                    IntegerValueSyntax n => InRange(n.Value, key.Min, key.Max, origin).ToString(CultureInfo.InvariantCulture),
                    FloatValueSyntax f when double.IsFinite(f.Value) && f.Value >= 0 => f.Value.ToString("R", CultureInfo.InvariantCulture),
                    FloatValueSyntax f => throw OutOfRange(origin, f.Token!.Text!, key.Max),
                    StringValueSyntax s => s.Value!,
                    _ => throw WrongType(origin, "a number of seconds or a string such as \"30s\"", value),
                }, origin);
                break;
            case ConfigType.List:
                foreach (var (text, at) in Items(value, origin))
                    key.Flag.Apply(b, text, Origin(file, at, key.Path));
                break;
        }
    }

    internal static string Origin(string file, TextPosition at, string path) => $"{ConfigSyntax.Where(file, at)}: {path}";

    /// <param name="allowNul">for a file's content; any other string reaches the kernel, where a NUL (an escape
    /// such as \u0000) would silently end it.</param>
    internal static string Text(ValueSyntax value, string origin, string expected, bool allowNul = false) =>
        value is StringValueSyntax s ? NoNul(s.Value!, origin, allowNul) : throw WrongType(origin, expected, value);

    private static string NoNul(string text, string origin, bool allowNul = false) =>
        allowNul || !text.Contains('\0') ? text : throw new SpecException(origin, "a NUL character (\\u0000) cannot be passed on");

    private static IEnumerable<(string Text, TextPosition At)> Items(ValueSyntax value, string origin)
    {
        if (value is not ArraySyntax array || array.Items.Any(i => i.Value is not StringValueSyntax))
            throw WrongType(origin, "an array of strings", value is ArraySyntax a ? a.Items.First(i => i.Value is not StringValueSyntax).Value! : value);
        return array.Items.Select(i => (NoNul(((StringValueSyntax)i.Value!).Value!, origin), i.Value!.Span.Start)).ToList();
    }

    private static long InRange(long n, long min, long max, string origin) =>
        n >= min && n <= max ? n : throw OutOfRange(origin, n.ToString(CultureInfo.InvariantCulture), max, min);

    private static SpecException OutOfRange(string origin, string value, long max, long min = 0) =>
        new(origin, $"{value} is out of range ({(max == long.MaxValue ? $"{min} or more" : $"{min} to {max}")})");

    internal static SpecException WrongType(string origin, string expected, ValueSyntax found) =>
        new(origin, $"expected {expected}, found {Describe(found)}");

    private static string Describe(ValueSyntax v) => v switch
    {
        StringValueSyntax => "a string",
        IntegerValueSyntax => "an integer",
        FloatValueSyntax => "a float",
        BooleanValueSyntax => "a boolean",
        ArraySyntax => "an array",
        InlineTableSyntax => "a table",
        DateTimeValueSyntax => "a date-time",
        _ => "a value",
    };

    /// <summary>The file's path with symlinks resolved: a profile linked elsewhere (the playground's
    /// /sandbox.toml) still finds the files beside it.</summary>
}
