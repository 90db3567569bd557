using System.Globalization;

namespace NsSandbox.Frontends.Nsjail;

/// <summary>Reads a text-format scalar as the type nsjail's config.proto gives its field; a wrong type or
/// range is an error at the value.</summary>
public static class NsjailValues
{
    /// <summary>A string; one holding a NUL (an escape such as \0) is refused, as the kernel would cut it there,
    /// unless it is a file's content (<paramref name="allowNul"/>).</summary>
    public static string String(TextValue v, string origin, bool allowNul = false) => v is TextScalar { Kind: ScalarKind.String } s
        ? !allowNul && s.Text.Contains('\0') ? throw new SpecException(origin, "a NUL character cannot be passed on") : s.Text
        : throw Wrong(v, origin, "a string in quotes");

    public static bool Bool(TextValue v, string origin) => v switch
    {
        TextScalar { Kind: ScalarKind.Identifier, Text: "true" or "True" or "t" } => true,
        TextScalar { Kind: ScalarKind.Identifier, Text: "false" or "False" or "f" } => false,
        TextScalar { Kind: ScalarKind.Number, Text: "1" } => true,
        TextScalar { Kind: ScalarKind.Number, Text: "0" } => false,
        _ => throw Wrong(v, origin, "true or false"),
    };

    public static ulong Unsigned(TextValue v, string origin, ulong max = ulong.MaxValue)
    {
        if (v is TextScalar { Kind: ScalarKind.Number } s && ParseInteger(s.Text) is { } n && n >= 0 && (ulong)n <= max)
            return (ulong)n;
        if (v is TextScalar { Kind: ScalarKind.Number } big && big.Text.All(char.IsAsciiDigit)
            && ulong.TryParse(big.Text, NumberStyles.None, CultureInfo.InvariantCulture, out ulong u) && u <= max)
            return u;
        throw Wrong(v, origin, max == ulong.MaxValue ? "a whole number, 0 or more" : $"a whole number from 0 to {max}");
    }

    public static long Signed(TextValue v, string origin) =>
        v is TextScalar { Kind: ScalarKind.Number } s && ParseInteger(s.Text) is { } n ? n : throw Wrong(v, origin, "a whole number");

    public static string Enum(TextValue v, string origin, params string[] names)
    {
        if (v is TextScalar { Kind: ScalarKind.Identifier } s && names.Contains(s.Text)) return s.Text;
        if (v is TextScalar { Kind: ScalarKind.Number } n && ParseInteger(n.Text) is { } i && i >= 0 && i < names.Length) return names[i];
        throw Wrong(v, origin, "one of " + string.Join(", ", names));
    }

    public static TextMessage Message(TextValue v, string origin) =>
        v as TextMessage ?? throw Wrong(v, origin, "a message in braces");

    /// <summary>Decimal, 0x hex or 0 octal, as protobuf's text format writes integers.</summary>
    private static long? ParseInteger(string text)
    {
        bool negative = text.StartsWith('-');
        string digits = negative || text.StartsWith('+') ? text[1..] : text;
        ulong value;
        bool ok = digits.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
            ? ulong.TryParse(digits[2..], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out value)
            : digits.Length > 1 && digits[0] == '0' ? TryOctal(digits, out value)
            : ulong.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out value);
        if (!ok || value > long.MaxValue) return null;
        return negative ? -(long)value : (long)value;
    }

    private static bool TryOctal(string digits, out ulong value)
    {
        value = 0;
        foreach (char c in digits)
        {
            if (c is < '0' or > '7' || value > ulong.MaxValue / 8) return false;
            value = value * 8 + (ulong)(c - '0');
        }
        return true;
    }

    private static SpecException Wrong(TextValue v, string origin, string expected) =>
        new(origin, $"expects {expected}, not {Shown(v)}");

    private static string Shown(TextValue v) => v switch
    {
        TextScalar { Kind: ScalarKind.String } s => $"\"{s.Text}\"",
        TextScalar s => s.Text,
        _ => "a message",
    };
}
