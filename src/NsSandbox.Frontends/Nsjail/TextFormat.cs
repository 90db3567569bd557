namespace NsSandbox.Frontends.Nsjail;

/// <summary>A place in a configuration file, as errors name it.</summary>
public readonly record struct TextPosition(int Line, int Column)
{
    public override string ToString() => $"{Line}:{Column}";
}

/// <summary>One field of protobuf's text format: <c>name: value</c>, <c>name { ... }</c>, or one item of
/// <c>name: [a, b]</c> (which is the same as repeating the field).</summary>
public sealed record TextField(string Name, TextPosition At, TextValue Value);

/// <summary>A field's value: a scalar or a nested message.</summary>
public abstract record TextValue(TextPosition At);

public enum ScalarKind { String, Number, Identifier }

/// <summary>A string (escapes decoded, adjacent strings joined), a number as written, or an identifier
/// (an enum value, true or false).</summary>
public sealed record TextScalar(ScalarKind Kind, string Text, TextPosition At) : TextValue(At);

public sealed record TextMessage(IReadOnlyList<TextField> Fields, TextPosition At) : TextValue(At);

/// <summary>Malformed text: the message and where, as "FILE:LINE:COLUMN: message".</summary>
public sealed class TextFormatException(TextPosition at, string message) : Exception(message)
{
    public TextPosition At { get; } = at;
}
