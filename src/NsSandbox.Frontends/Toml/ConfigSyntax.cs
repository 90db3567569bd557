using Tomlyn.Parsing;
using Tomlyn.Syntax;

namespace NsSandbox.Frontends.Toml;

/// <summary>One key = value of the file, its dotted path resolved through tables and inline tables.</summary>
public sealed record Setting(string Path, ValueSyntax Value, TextPosition KeyAt);

/// <summary>One [[fs.mount]] table (or inline table of an fs.mount array), with its fields.</summary>
public sealed record MountTable(int Index, IReadOnlyList<Setting> Fields, TextPosition At)
{
    public string Path => $"fs.mount[{Index}]";
}

/// <summary>Reads a TOML file with Tomlyn's syntax tree, which keeps every node's position, into settings in
/// document order. TOML's own rules (syntax, keys defined twice, integers that overflow) are Tomlyn's; the
/// sections must be ours.</summary>
public sealed class ConfigSyntax
{
    public const string MountPath = "fs.mount";

    private readonly string _file;
    private readonly List<object> _items = [];
    private int _mounts;

    private ConfigSyntax(string file) => _file = file;

    /// <summary>Settings and mount tables, in the order the file gives them.</summary>
    public static IReadOnlyList<object> Read(string text, string file)
    {
        DocumentSyntax doc;
        try
        {
            doc = SyntaxParser.Parse(text, file, validate: true);
        }
        catch (ArgumentException)
        {
            // Tomlyn's lexer throws on an escape cut short by the end of the file ("\u00"), where it reports others.
            throw new SpecException(file, "not valid TOML: an escape sequence is cut short or is not a Unicode character");
        }
        if (doc.Diagnostics.FirstOrDefault(d => d.Kind == DiagnosticMessageKind.Error) is { } error)
            throw new SpecException(Where(file, error.Span.Start), error.Message);
        var reader = new ConfigSyntax(file);
        foreach (var kv in doc.KeyValues) reader.KeyValue("", kv);
        foreach (var table in doc.Tables)
        {
            string name = Join("", table.Name!);
            if (table is TableArraySyntax)
            {
                if (name != MountPath) throw Unknown(file, table.Span.Start, name, "[[fs.mount]] is the only array of tables");
                reader.Mount(table.Items.Select(kv => reader.Field(kv)).ToList(), table.Span.Start);
                continue;
            }
            if (name == MountPath)
                throw new SpecException($"{Where(file, table.Span.Start)}: {name}", "expected [[fs.mount]] (an array of tables), found [fs.mount]");
            if (!ConfigKeys.Sections.Contains(name)) throw Unknown(file, table.Span.Start, name, null, section: true);
            foreach (var kv in table.Items) reader.KeyValue(name, kv);
        }
        return reader._items;
    }

    public static string Where(string file, TextPosition p) => $"{file}:{p.Line + 1}:{p.Column + 1}";

    private void KeyValue(string prefix, KeyValueSyntax kv)
    {
        string path = Join(prefix, kv.Key!);
        var value = kv.Value!;
        if (path == MountPath)
        {
            if (value is not ArraySyntax { } array || array.Items.Any(i => i.Value is not InlineTableSyntax))
                throw new SpecException($"{Where(_file, value.Span.Start)}: {path}", "expected [[fs.mount]] tables or an array of inline tables");
            foreach (var item in array.Items)
                Mount(((InlineTableSyntax)item.Value!).Items.Select(i => Field(i.KeyValue!)).ToList(), item.Span.Start);
            return;
        }
        if (value is InlineTableSyntax table)
        {
            foreach (var item in table.Items) KeyValue(path, item.KeyValue!);
            return;
        }
        _items.Add(new Setting(path, value, kv.Span.Start));
    }

    private Setting Field(KeyValueSyntax kv) => new(Join("", kv.Key!), kv.Value!, kv.Span.Start);

    private void Mount(List<Setting> fields, TextPosition at) => _items.Add(new MountTable(_mounts++, fields, at));

    private static string Join(string prefix, KeySyntax key)
    {
        var parts = new List<string> { Part(key.Key!) };
        parts.AddRange(key.DotKeys.Select(d => Part(d.Key!)));
        string path = string.Join('.', parts);
        return prefix.Length == 0 ? path : prefix + "." + path;
    }

    private static string Part(BareKeyOrStringValueSyntax key) => key switch
    {
        BareKeySyntax bare => bare.Key!.Text!,
        StringValueSyntax quoted => quoted.Value!,
        _ => key.ToString()!.Trim(),
    };

    /// <summary>An unknown key or section, with the nearest valid one.</summary>
    public static SpecException Unknown(string file, TextPosition at, string path, string? hint, bool section = false)
    {
        var candidates = section
            ? ConfigKeys.Sections
            : ConfigKeys.All.Select(k => k.Path).Concat(ConfigLoader.ExecPaths).Append(MountPath);
        string leaf = path[(path.LastIndexOf('.') + 1)..];
        string nearest = candidates
            .OrderBy(c => c[(c.LastIndexOf('.') + 1)..] == leaf ? 0 : 1)
            .ThenBy(c => Policy.Syscalls.EditDistance.Between(path, c)).ThenBy(c => c, StringComparer.Ordinal).First();
        return new SpecException($"{Where(file, at)}: {path}",
            $"unknown {(section ? "section" : "key")}; did you mean {nearest}?{(hint is null ? "" : " (" + hint + ")")}");
    }
}
