namespace NsSandbox.Frontends.Nsjail;

/// <summary>Parses protobuf's text format (the format of nsjail's .cfg files) into fields: <c>name: scalar</c>,
/// <c>name { fields }</c> or <c>name: { fields }</c> (also with angle brackets), <c>name: [v1, v2]</c> for
/// repeated fields, optional ';' or ',' after each field, adjacent strings joined. Extensions and Any are
/// refused: nsjail's config has none.</summary>
public sealed class TextFormatParser
{
    /// <summary>Deeper nesting than any nsjail config has: the parser's recursion stays bounded.</summary>
    private const int MaxDepth = 64;

    private readonly List<TextToken> _tokens;
    private int _i;

    private TextFormatParser(string text) => _tokens = new TextFormatLexer(text).Tokenize();

    public static TextMessage Parse(string text)
    {
        var p = new TextFormatParser(text);
        var fields = p.Fields(null, 0);
        return new TextMessage(fields, new TextPosition(1, 1));
    }

    private TextToken Peek => _tokens[_i];

    private TextToken Take() => _tokens[_i++];

    private bool IsPunct(string p) => Peek.Kind == TokenKind.Punct && Peek.Text == p;

    private List<TextField> Fields(string? close, int depth)
    {
        if (depth > MaxDepth) throw new TextFormatException(Peek.At, $"messages nested deeper than {MaxDepth}");
        var fields = new List<TextField>();
        while (true)
        {
            if (close is null && Peek.Kind == TokenKind.End) return fields;
            if (close is not null && IsPunct(close))
            {
                _i++;
                return fields;
            }
            if (Peek.Kind == TokenKind.End) throw new TextFormatException(Peek.At, $"missing '{close}' at the end of the file");
            var name = Take();
            if (name.Kind != TokenKind.Identifier)
                throw new TextFormatException(name.At, name.Kind == TokenKind.Punct && name.Text == "["
                    ? "extensions and Any are not part of nsjail's configuration"
                    : $"expected a field name, found {Describe(name)}");
            bool colon = IsPunct(":");
            if (colon) _i++;
            if (IsPunct("{") || IsPunct("<"))
            {
                fields.Add(new TextField(name.Text, name.At, Message(depth)));
            }
            else if (colon && IsPunct("["))
            {
                _i++;
                if (IsPunct("]")) _i++;
                else
                    while (true)
                    {
                        fields.Add(new TextField(name.Text, name.At, IsPunct("{") || IsPunct("<") ? Message(depth) : Scalar()));
                        if (IsPunct("]"))
                        {
                            _i++;
                            break;
                        }
                        Expect(",", "',' or ']' in the list");
                    }
            }
            else if (colon)
            {
                fields.Add(new TextField(name.Text, name.At, Scalar()));
            }
            else throw new TextFormatException(Peek.At, $"expected ':' or '{{' after {name.Text}, found {Describe(Peek)}");
            if (IsPunct(";") || IsPunct(",")) _i++;
        }
    }

    private TextMessage Message(int depth)
    {
        var open = Take();
        var fields = Fields(open.Text == "{" ? "}" : ">", depth + 1);
        return new TextMessage(fields, open.At);
    }

    private TextScalar Scalar()
    {
        var t = Take();
        switch (t.Kind)
        {
            case TokenKind.String:
                string s = t.Text;
                while (Peek.Kind == TokenKind.String) s += Take().Text; // "a" "b" is "ab"
                return new TextScalar(ScalarKind.String, s, t.At);
            case TokenKind.Number:
                return new TextScalar(ScalarKind.Number, t.Text, t.At);
            case TokenKind.Identifier:
                return new TextScalar(ScalarKind.Identifier, t.Text, t.At);
            default:
                throw new TextFormatException(t.At, $"expected a value, found {Describe(t)}");
        }
    }

    private void Expect(string punct, string what)
    {
        if (!IsPunct(punct)) throw new TextFormatException(Peek.At, $"expected {what}, found {Describe(Peek)}");
        _i++;
    }

    private static string Describe(TextToken t) => t.Kind switch
    {
        TokenKind.End => "the end of the file",
        TokenKind.String => "a string",
        _ => $"'{t.Text}'",
    };
}
