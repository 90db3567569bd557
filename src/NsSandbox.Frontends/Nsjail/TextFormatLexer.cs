using System.Globalization;
using System.Text;

namespace NsSandbox.Frontends.Nsjail;

public enum TokenKind { Identifier, Number, String, Punct, End }

public readonly record struct TextToken(TokenKind Kind, string Text, TextPosition At);

/// <summary>Splits protobuf's text format into tokens: identifiers, numbers (decimal, hex, octal, floats, a
/// leading minus), strings in single or double quotes with C escapes (decoded here), punctuation; '#' starts a
/// comment to the end of the line.</summary>
public sealed class TextFormatLexer(string text)
{
    private int _pos, _line = 1, _lineStart;

    private TextPosition Here => new(_line, _pos - _lineStart + 1);

    public List<TextToken> Tokenize()
    {
        var tokens = new List<TextToken>();
        while (true)
        {
            SkipSpaceAndComments();
            if (_pos >= text.Length)
            {
                tokens.Add(new TextToken(TokenKind.End, "", Here));
                return tokens;
            }
            tokens.Add(Next());
        }
    }

    private void SkipSpaceAndComments()
    {
        while (_pos < text.Length)
        {
            char c = text[_pos];
            if (c == '\n')
            {
                _pos++;
                _line++;
                _lineStart = _pos;
            }
            else if (char.IsWhiteSpace(c)) _pos++;
            else if (c == '#')
                while (_pos < text.Length && text[_pos] != '\n') _pos++;
            else return;
        }
    }

    private TextToken Next()
    {
        var at = Here;
        char c = text[_pos];
        if (char.IsAsciiLetter(c) || c == '_')
        {
            int start = _pos;
            while (_pos < text.Length && (char.IsAsciiLetterOrDigit(text[_pos]) || text[_pos] == '_')) _pos++;
            return new TextToken(TokenKind.Identifier, text[start.._pos], at);
        }
        if (char.IsAsciiDigit(c) || ((c is '-' or '+' or '.') && _pos + 1 < text.Length && (char.IsAsciiDigit(text[_pos + 1]) || text[_pos + 1] == '.')))
        {
            int start = _pos++;
            while (_pos < text.Length && (char.IsAsciiLetterOrDigit(text[_pos]) || text[_pos] is '.' or '_'
                       || (text[_pos] is '-' or '+' && text[_pos - 1] is 'e' or 'E' && !text[start..].StartsWith("0x", StringComparison.OrdinalIgnoreCase))))
                _pos++;
            return new TextToken(TokenKind.Number, text[start.._pos], at);
        }
        if (c is '"' or '\'') return new TextToken(TokenKind.String, ReadString(c, at), at);
        if ("{}<>[]:;,".Contains(c))
        {
            _pos++;
            return new TextToken(TokenKind.Punct, c.ToString(), at);
        }
        throw new TextFormatException(at, $"unexpected character '{Printable(c)}'");
    }

    private string ReadString(char quote, TextPosition at)
    {
        _pos++;
        var bytes = new List<byte>();
        Span<byte> utf8 = stackalloc byte[4];
        while (true)
        {
            if (_pos >= text.Length || text[_pos] == '\n') throw new TextFormatException(at, "unterminated string");
            char c = text[_pos++];
            if (c == quote) break;
            if (c != '\\')
            {
                if (char.IsHighSurrogate(c) && _pos < text.Length && char.IsLowSurrogate(text[_pos]))
                {
                    int n = Encoding.UTF8.GetBytes([c, text[_pos++]], utf8);
                    bytes.AddRange(utf8[..n]);
                }
                else bytes.AddRange(Encoding.UTF8.GetBytes(c.ToString()));
                continue;
            }
            if (_pos >= text.Length) throw new TextFormatException(at, "unterminated string");
            var escapeAt = new TextPosition(_line, _pos - _lineStart);
            char e = text[_pos++];
            switch (e)
            {
                case 'n': bytes.Add((byte)'\n'); break;
                case 't': bytes.Add((byte)'\t'); break;
                case 'r': bytes.Add((byte)'\r'); break;
                case 'a': bytes.Add(7); break;
                case 'b': bytes.Add(8); break;
                case 'f': bytes.Add(12); break;
                case 'v': bytes.Add(11); break;
                case '\\' or '\'' or '"' or '?': bytes.Add((byte)e); break;
                case 'x' or 'X':
                    bytes.Add((byte)Digits(16, 2, escapeAt));
                    break;
                case >= '0' and <= '7':
                    _pos--;
                    int octal = Digits(8, 3, escapeAt);
                    if (octal > 255) throw new TextFormatException(escapeAt, "octal escape above \\377");
                    bytes.Add((byte)octal);
                    break;
                case 'u' or 'U':
                    int code = Digits(16, e == 'u' ? 4 : 8, escapeAt, exact: true);
                    if (code > 0x10FFFF || code is >= 0xD800 and <= 0xDFFF) throw new TextFormatException(escapeAt, "not a Unicode code point");
                    bytes.AddRange(Encoding.UTF8.GetBytes(char.ConvertFromUtf32(code)));
                    break;
                default:
                    throw new TextFormatException(escapeAt, $"unknown escape '\\{Printable(e)}'");
            }
        }
        try
        {
            return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes.ToArray());
        }
        catch (DecoderFallbackException)
        {
            throw new TextFormatException(at, "the string is not valid UTF-8");
        }
    }

    /// <summary>Up to <paramref name="max"/> digits in <paramref name="radix"/> (exactly that many with
    /// <paramref name="exact"/>), at least one.</summary>
    private int Digits(int radix, int max, TextPosition at, bool exact = false)
    {
        int value = 0, count = 0;
        while (count < max && _pos < text.Length && Uri.IsHexDigit(text[_pos]) && int.Parse(text[_pos].ToString(), NumberStyles.HexNumber, CultureInfo.InvariantCulture) < radix)
        {
            value = value * radix + int.Parse(text[_pos].ToString(), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            _pos++;
            count++;
        }
        if (count == 0 || (exact && count != max)) throw new TextFormatException(at, "malformed escape");
        return value;
    }

    private static string Printable(char c) => char.IsControl(c) ? $"\\x{(int)c:x2}" : c.ToString();
}
