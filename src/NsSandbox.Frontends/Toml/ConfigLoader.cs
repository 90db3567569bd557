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

    private static readonly string[] MountFields = ["type", "src", "dst", "rw", "optional", "size", "content"];

    public static void ApplyText(SpecBuilder b, string text, string file)
    {
        string? path = null;
        Setting? args = null;
        var argv = new List<string>();
        foreach (object item in ConfigSyntax.Read(text, file))
        {
            if (item is MountTable mount)
            {
                ApplyMount(b, mount, file);
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
                if (ConfigKeys.RelativeToFile.Contains(key.Flag.Name) && str.Length > 0 && !Path.IsPathRooted(str))
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

    /// <summary>A [[fs.mount]] table becomes the mount flag it stands for (--bindmount, --bindmount_ro or
    /// --tmpfsmount), so it is checked exactly as the flag is.</summary>
    private static void ApplyMount(SpecBuilder b, MountTable m, string file)
    {
        string origin = Origin(file, m.At, m.Path);
        string type = "bind", typeOrigin = origin;
        string? src = null, dst = null;
        bool? rw = null, optional = null;
        string? size = null, content = null;
        string sizeOrigin = origin;
        foreach (var f in m.Fields)
        {
            string fieldOrigin = Origin(file, f.Value.Span.Start, $"{m.Path}.{f.Path}");
            switch (f.Path)
            {
                case "type": type = Text(f.Value, fieldOrigin, "a string"); typeOrigin = fieldOrigin; break;
                case "src": src = Text(f.Value, fieldOrigin, "a string"); break;
                case "content": content = Text(f.Value, fieldOrigin, "a string", allowNul: true); break;
                case "dst": dst = Text(f.Value, fieldOrigin, "a string"); break;
                case "rw": rw = f.Value is BooleanValueSyntax v ? v.Value : throw WrongType(fieldOrigin, "a boolean (true or false)", f.Value); break;
                case "optional": optional = f.Value is BooleanValueSyntax o ? o.Value : throw WrongType(fieldOrigin, "a boolean (true or false)", f.Value); break;
                case "size":
                    size = f.Value switch
                    {
                        IntegerValueSyntax n => n.Value.ToString(CultureInfo.InvariantCulture),
                        StringValueSyntax s => s.Value!,
                        _ => throw WrongType(fieldOrigin, "a size (a number of bytes, or a string like \"64M\")", f.Value),
                    };
                    sizeOrigin = fieldOrigin;
                    break;
                default:
                    string nearest = MountFields.OrderBy(x => Policy.Syscalls.EditDistance.Between(f.Path, x)).First();
                    throw new SpecException($"{ConfigSyntax.Where(file, f.KeyAt)}: {m.Path}.{f.Path}", $"unknown key; did you mean {m.Path}.{nearest}?");
            }
        }
        switch (type)
        {
            case "bind":
                if (src is null) throw new SpecException(origin, "a bind mount needs src");
                if (content is not null) throw new SpecException(origin, "a bind mount has no content (type = \"file\" has)");
                if (size is not null) throw new SpecException(sizeOrigin, "a bind mount has no size");
                Cli.FlagTable.ByName(rw == true ? "bindmount" : "bindmount_ro")!.Apply(b, dst is null ? src : src + ":" + dst, origin);
                // Left out when its source does not exist (nsjail's mandatory: false).
                if (optional == true) b.Mounts[^1] = b.Mounts[^1] with { Optional = true };
                break;
            case "tmpfs":
                if (src is not null || content is not null) throw new SpecException(origin, "a tmpfs takes no src or content");
                if (dst is null) throw new SpecException(origin, "a tmpfs needs dst");
                if (rw == false) throw new SpecException(origin, "a tmpfs is always writable; leave out rw");
                if (optional is not null) throw new SpecException(origin, "a tmpfs is never optional; leave out optional");
                Cli.FlagTable.ByName("tmpfsmount")!.Apply(b, dst, origin);
                if (size is not null) b.Mounts[^1] = b.Mounts[^1] with { TmpfsSizeBytes = Cli.Values.Size(sizeOrigin, size) };
                break;
            case "file":
                if (content is null || dst is null) throw new SpecException(origin, "a file needs content and dst");
                if (src is not null || rw is not null || size is not null || optional is not null)
                    throw new SpecException(origin, "a file takes only content and dst (it is read-only)");
                b.NoteOrigin($"mount{b.Mounts.Count}", origin);
                b.Mounts.Add(new MountSpec(null, dst, ReadOnly: true, Content: content));
                break;
            default:
                throw new SpecException(typeOrigin, $"'{type}' is not a mount type; use bind, tmpfs or file");
        }
    }

    private static string Origin(string file, TextPosition at, string path) => $"{ConfigSyntax.Where(file, at)}: {path}";

    /// <param name="allowNul">for a file's content; any other string reaches the kernel, where a NUL (an escape
    /// such as \u0000) would silently end it.</param>
    private static string Text(ValueSyntax value, string origin, string expected, bool allowNul = false) =>
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

    private static SpecException WrongType(string origin, string expected, ValueSyntax found) =>
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
