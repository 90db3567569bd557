using System.Globalization;

namespace NsSandbox.Policy.Syntax;

/// <summary>Turns one file's text into tokens. Comments and white space are skipped; newlines matter only to
/// end an #include line, which <see cref="ReadIncludeNames"/> reads. Spellings kafel's lexer would refuse
/// are reported to the <see cref="Dialect"/>.</summary>
public sealed class Lexer(string text, string file, Dialect? dialect = null)
{
    private readonly Dialect _dialect = dialect ?? new Dialect(kafelOnly: false);

    private int _pos;
    private int _line = 1;
    private int _column = 1;

    public string File { get; } = file;

    public Token Next()
    {
        SkipTrivia(stopAtNewline: false);
        var at = Here();
        if (_pos >= text.Length) return new Token(TokenKind.EndOfFile, "", 0, at);
        char c = text[_pos];
        if (IsIdentifierStart(c)) return Word(at);
        if (char.IsAsciiDigit(c) || (c == '-' && _pos + 1 < text.Length && char.IsAsciiDigit(text[_pos + 1])))
            return ReadNumber(at);
        if (c == '"') return ReadString(at);
        if (c == '#') return ReadDirective(at);
        return ReadPunctuation(at);
    }

    /// <summary>After '#include': the quoted names up to the end of the line or a ';'.</summary>
    public IReadOnlyList<Token> ReadIncludeNames(SourceLocation directive)
    {
        var names = new List<Token>();
        while (true)
        {
            SkipTrivia(stopAtNewline: true);
            if (_pos >= text.Length) break;
            char c = text[_pos];
            if (c == '\n') { Advance(); break; }
            if (c == ';') { Advance(); break; }
            var at = Here();
            if (c != '"')
                throw new PolicyException(at, $"expected a quoted file name or the end of the #include line, found {Printable(c)}");
            names.Add(ReadString(at));
        }
        if (names.Count == 0) throw new PolicyException(directive, "expected a quoted file name after #include");
        return names;
    }

    private SourceLocation Here() => new(File, _line, _column);

    private void Advance()
    {
        if (text[_pos] == '\n') { _line++; _column = 1; }
        else _column++;
        _pos++;
    }

    private string TakeWhile(Func<char, bool> accept)
    {
        int start = _pos;
        while (_pos < text.Length && accept(text[_pos])) Advance();
        return text[start.._pos];
    }

    private void SkipTrivia(bool stopAtNewline)
    {
        while (_pos < text.Length)
        {
            char c = text[_pos];
            if (c == '\n' && stopAtNewline) return;
            if (char.IsWhiteSpace(c)) { Advance(); continue; }
            if (c == '/' && _pos + 1 < text.Length && text[_pos + 1] == '/')
            {
                while (_pos < text.Length && text[_pos] != '\n') Advance();
                continue;
            }
            if (c == '/' && _pos + 1 < text.Length && text[_pos + 1] == '*')
            {
                var start = Here();
                int end = text.IndexOf("*/", _pos + 2, StringComparison.Ordinal);
                if (end < 0) throw new PolicyException(start, "unterminated block comment: expected '*/' before the end of the file");
                while (_pos < end + 2) Advance();
                continue;
            }
            return;
        }
    }

    private Token ReadNumber(SourceLocation at)
    {
        int start = _pos;
        bool negative = text[_pos] == '-';
        if (negative) Advance();
        string body = TakeWhile(IsIdentifierPart);
        string spelling = text[start.._pos];
        if (!TryParseMagnitude(body, out ulong magnitude))
            throw new PolicyException(at, $"invalid number '{Names.Quote(spelling)}' (expected decimal, 0x hex, 0 octal or 0b binary, at most 64 bits)");
        if (!IsKafelNumber(body, negative))
            _dialect.Extension(at, $"the number '{Names.Quote(spelling)}' (kafel writes 0x, 0b and a '-' only before a decimal)");
        // As kafel's strtoull: a negative number is its magnitude subtracted from 2^64.
        return new Token(TokenKind.Number, spelling, negative ? unchecked(0 - magnitude) : magnitude, at);
    }

    /// <summary>kafel's spellings: 0x with lowercase x, 0b with lowercase b, octal, and decimal with an optional
    /// '-' before a nonzero number.</summary>
    private static bool IsKafelNumber(string body, bool negative)
    {
        if (body.StartsWith("0X", StringComparison.Ordinal) || body.StartsWith("0B", StringComparison.Ordinal)) return false;
        return !negative || (body[0] != '0' && body.All(char.IsAsciiDigit));
    }

    /// <summary>A number as the language spells it (decimal, 0x, 0 octal, 0b, optional '-', 64-bit two's
    /// complement), for tools that take numbers on the command line.</summary>
    public static bool TryParseNumber(string spelling, out ulong value)
    {
        bool negative = spelling.StartsWith('-');
        if (!TryParseMagnitude(negative ? spelling[1..] : spelling, out ulong magnitude))
        {
            value = 0;
            return false;
        }
        value = negative ? unchecked(0 - magnitude) : magnitude;
        return true;
    }

    private static bool TryParseMagnitude(string s, out ulong value)
    {
        value = 0;
        if (s.Length > 2 && s[0] == '0' && (s[1] is 'x' or 'X'))
            return ulong.TryParse(s.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out value);
        if (s.Length > 2 && s[0] == '0' && (s[1] is 'b' or 'B'))
            return ulong.TryParse(s.AsSpan(2), NumberStyles.AllowBinarySpecifier, CultureInfo.InvariantCulture, out value);
        if (s.Length > 1 && s[0] == '0') return TryParseOctal(s.AsSpan(1), out value);
        return s.Length > 0 && s.All(char.IsAsciiDigit)
            && ulong.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out value);
    }

    private static bool TryParseOctal(ReadOnlySpan<char> digits, out ulong value)
    {
        value = 0;
        foreach (char d in digits)
        {
            if (d is < '0' or > '7' || value > ulong.MaxValue >> 3) return false;
            value = (value << 3) | (uint)(d - '0');
        }
        return true;
    }

    private Token ReadString(SourceLocation at)
    {
        Advance(); // opening quote
        var chars = new System.Text.StringBuilder();
        while (true)
        {
            if (_pos >= text.Length || text[_pos] == '\n')
                throw new PolicyException(at, "unterminated string: expected '\"' before the end of the line");
            char c = text[_pos];
            Advance();
            if (c == '"') break;
            if (c == '\\' && _pos < text.Length && text[_pos] is '"' or '\\')
            {
                chars.Append(text[_pos]);
                Advance();
                continue;
            }
            chars.Append(c);
        }
        return new Token(TokenKind.String, chars.ToString(), 0, at);
    }

    private Token ReadDirective(SourceLocation at)
    {
        Advance(); // '#'
        // kafel reads '#' and 'define' as two tokens, so white space may come between; "#include" is one.
        int before = _pos;
        while (_pos < text.Length && char.IsWhiteSpace(text[_pos])) Advance();
        bool spaced = _pos > before;
        string name = TakeWhile(IsIdentifierPart);
        return name switch
        {
            "define" => new Token(TokenKind.Define, "#define", 0, at),
            "include" when !spaced => new Token(TokenKind.Include, "#include", 0, at),
            _ => throw new PolicyException(at, $"unknown directive '#{Names.Quote(name)}' (expected #define or #include)"),
        };
    }

    private static readonly string[] TwoCharPunctuation = ["==", "!=", "<=", ">=", "&&", "||"];
    private const string OneCharPunctuation = "{}()[],;!<>&|";

    private Token ReadPunctuation(SourceLocation at)
    {
        if (_pos + 1 < text.Length)
        {
            string two = text.Substring(_pos, 2);
            if (TwoCharPunctuation.Contains(two))
            {
                Advance(); Advance();
                return new Token(TokenKind.Punctuation, two, 0, at);
            }
        }
        char c = text[_pos];
        if (c == '=') throw new PolicyException(at, "unexpected '=': comparisons use '=='");
        if (!OneCharPunctuation.Contains(c)) throw new PolicyException(at, $"unexpected character {Printable(c)}");
        Advance();
        return new Token(TokenKind.Punctuation, c.ToString(), 0, at);
    }

    private static string Printable(char c) =>
        c is >= ' ' and <= '~' ? $"'{c}'" : $"U+{(int)c:X4}";

    /// <summary>A name (of any length, as in kafel) or one of kafel's keywords.</summary>
    private Token Word(SourceLocation at)
    {
        string name = TakeWhile(IsIdentifierPart);
        if (Token.Keywords.Contains(name)) return new Token(TokenKind.Keyword, name, 0, at);
        if (name[0] == '_') _dialect.Extension(at, $"the name '{Names.Quote(name)}' (kafel's names start with a letter)");
        return new Token(TokenKind.Identifier, name, 0, at);
    }

    private static bool IsIdentifierStart(char c) => char.IsAsciiLetter(c) || c == '_';

    private static bool IsIdentifierPart(char c) => char.IsAsciiLetterOrDigit(c) || c == '_';
}
