using System.Text;
using System.Text.Json;

namespace NsSandbox.Policy.Oci;

/// <summary>A JSON document being read strictly with <see cref="Utf8JsonReader"/> (no reflection, so NativeAOT-clean):
/// it tracks the JSON path of the value being read and turns every problem into a <see cref="PolicyException"/> at
/// the token's file:line:column with that path, "syscalls[3].args[0].op: ...".</summary>
internal sealed class JsonInput
{
    private static readonly JsonReaderOptions Options = new() { CommentHandling = JsonCommentHandling.Disallow, MaxDepth = 64 };
    private readonly List<string> _path = [];

    public JsonInput(byte[] utf8, string name)
    {
        // A UTF-8 byte order mark is allowed, as System.Text.Json's document parser allows it.
        int skip = utf8.AsSpan().StartsWith(Encoding.UTF8.Preamble) ? Encoding.UTF8.Preamble.Length : 0;
        Bytes = utf8.AsMemory(skip);
        Name = name;
    }

    public ReadOnlyMemory<byte> Bytes { get; }

    public string Name { get; }

    public Utf8JsonReader NewReader() => new(Bytes.Span, Options);

    /// <summary>The path of the value being read: "syscalls[3].args[0].op"; "" at the top.</summary>
    public string Path => string.Concat(_path.Select((p, i) => p.StartsWith('[') || i == 0 ? p : "." + p));

    public void Push(string segment) => _path.Add(segment);

    public void Pop() => _path.RemoveAt(_path.Count - 1);

    /// <summary>Where the reader's current token starts.</summary>
    public SourceLocation At(in Utf8JsonReader reader) => At(reader.TokenStartIndex);

    // Positions are asked for in increasing order while reading: each one counts on from the last.
    private (int Offset, int Line, int Column) _last = (0, 1, 1);

    public SourceLocation At(long offset)
    {
        int end = (int)Math.Min(offset, Bytes.Length);
        var (from, line, column) = end >= _last.Offset ? _last : (0, 1, 1);
        var span = Bytes.Span[from..end];
        int newline = span.LastIndexOf((byte)'\n');
        if (newline >= 0)
        {
            line += span.Count((byte)'\n');
            span = span[(newline + 1)..];
            column = 1;
        }
        column += Encoding.UTF8.GetCharCount(span);
        _last = (end, line, column);
        return new SourceLocation(Name, line, column);
    }

    /// <summary>An error about the value at the current path.</summary>
    public PolicyException Error(SourceLocation at, string message) =>
        new(at, Path.Length == 0 ? message : $"{Path}: {message}");

    /// <summary>Moves to the next token; a syntax error or the end of the text is an error at its position.</summary>
    public void Read(ref Utf8JsonReader reader)
    {
        bool more;
        try
        {
            more = reader.Read();
        }
        catch (JsonException e)
        {
            throw Syntax(e);
        }
        if (!more) throw Error(At(Bytes.Length), "the JSON text ends too early");
    }

    /// <summary>Skips the value the reader is on, object or array included.</summary>
    public void Skip(ref Utf8JsonReader reader)
    {
        try
        {
            reader.Skip();
        }
        catch (JsonException e)
        {
            throw Syntax(e);
        }
    }

    /// <summary>After the top value: only whitespace may follow (the reader throws at anything else).</summary>
    public void End(ref Utf8JsonReader reader)
    {
        try
        {
            reader.Read();
        }
        catch (JsonException e)
        {
            throw Syntax(e);
        }
    }

    // The reader's message ends with "LineNumber: 2 | BytePositionInLine: 7."; the position goes in front instead.
    private PolicyException Syntax(JsonException e)
    {
        string message = e.Message;
        int cut = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
        if (cut > 0) message = message[..cut].TrimEnd();
        var at = new SourceLocation(Name, (int)(e.LineNumber ?? 0) + 1, (int)(e.BytePositionInLine ?? 0) + 1);
        return new PolicyException(at, "invalid JSON: " + message);
    }

    public void Expect(ref Utf8JsonReader reader, JsonTokenType type, string what)
    {
        if (reader.TokenType != type) throw Error(At(reader), $"expected {what}, found {Describe(reader)}");
    }

    /// <summary>Reads the properties of the object the reader is on, calling <paramref name="property"/> with the
    /// reader on each value (whose path is pushed). A name given twice is an error: Go's decoder, which runc and
    /// dockerd use, silently keeps the last.</summary>
    public void ReadObject(ref Utf8JsonReader reader, string what, PropertyReader property)
    {
        Expect(ref reader, JsonTokenType.StartObject, what);
        var seen = new Dictionary<string, SourceLocation>(StringComparer.Ordinal);
        while (true)
        {
            Read(ref reader);
            if (reader.TokenType == JsonTokenType.EndObject) return;
            string name = Text(reader);
            var at = At(reader);
            if (seen.TryGetValue(name, out var first)) throw Error(at, $"'{name}' is given twice (first at {first.Line}:{first.Column})");
            seen[name] = at;
            Read(ref reader);
            Push(name);
            property(ref reader, name, at);
            Pop();
        }
    }

    /// <summary>Reads an array (null reads as empty, as Go's decoder does), calling <paramref name="item"/> with the
    /// reader on each element and its index pushed as "[i]".</summary>
    public void ReadArray(ref Utf8JsonReader reader, string what, ItemReader item)
    {
        if (reader.TokenType == JsonTokenType.Null) return;
        Expect(ref reader, JsonTokenType.StartArray, what);
        for (int i = 0; ; i++)
        {
            Read(ref reader);
            if (reader.TokenType == JsonTokenType.EndArray) return;
            Push($"[{i}]");
            item(ref reader, i);
            Pop();
        }
    }

    public delegate void PropertyReader(ref Utf8JsonReader reader, string name, SourceLocation at);

    public delegate void ItemReader(ref Utf8JsonReader reader, int index);

    /// <summary>A string token's text; the reader checks the JSON, GetString the UTF-8 (a file read as bytes may be
    /// neither).</summary>
    public string Text(in Utf8JsonReader reader)
    {
        try
        {
            return reader.GetString()!;
        }
        catch (InvalidOperationException)
        {
            throw Error(At(reader), "a string that is not valid UTF-8");
        }
    }

    public string String(ref Utf8JsonReader reader)
    {
        Expect(ref reader, JsonTokenType.String, "a string");
        return Text(reader);
    }

    /// <summary>A string, or null for JSON null (an optional field left unset).</summary>
    public string? OptionalString(ref Utf8JsonReader reader) =>
        reader.TokenType == JsonTokenType.Null ? null : String(ref reader);

    public List<Located<string>> Strings(ref Utf8JsonReader reader)
    {
        var list = new List<Located<string>>();
        ReadArray(ref reader, "an array of strings", (ref Utf8JsonReader r, int _) => list.Add(new(String(ref r), At(r))));
        return list;
    }

    /// <summary>An unsigned integer of at most <paramref name="max"/>: no sign, fraction or exponent, as Go's
    /// decoder takes a uint.</summary>
    public ulong Unsigned(ref Utf8JsonReader reader, ulong max = ulong.MaxValue)
    {
        Expect(ref reader, JsonTokenType.Number, "an unsigned integer");
        if (!reader.TryGetUInt64(out ulong value) || value > max)
            throw Error(At(reader), $"{Encoding.UTF8.GetString(reader.ValueSpan)} is not an integer in 0..{max}");
        return value;
    }

    public static string Describe(in Utf8JsonReader reader) => reader.TokenType switch
    {
        JsonTokenType.StartObject => "an object",
        JsonTokenType.StartArray => "an array",
        JsonTokenType.String => $"the string \"{Encoding.UTF8.GetString(reader.ValueSpan)}\"",
        JsonTokenType.Number => $"the number {Encoding.UTF8.GetString(reader.ValueSpan)}",
        JsonTokenType.True => "true",
        JsonTokenType.False => "false",
        JsonTokenType.Null => "null",
        var other => other.ToString(),
    };
}

/// <summary>A value with the position it was written at.</summary>
public readonly record struct Located<T>(T Value, SourceLocation At);
