namespace NsSandbox.Policy.Syntax;

public enum TokenKind { Identifier, Number, String, Punctuation, Define, Include, EndOfFile }

/// <summary>One lexical token. Text is the source spelling; Value is set for numbers.</summary>
public sealed record Token(TokenKind Kind, string Text, ulong Value, SourceLocation Location)
{
    public bool Is(string punctuationOrKeyword) =>
        (Kind == TokenKind.Punctuation || Kind == TokenKind.Identifier) && Text == punctuationOrKeyword;

    /// <summary>How error messages name the token: "identifier 'write'", "'{'", "end of file".</summary>
    public string Describe() => Kind switch
    {
        TokenKind.Identifier => $"identifier '{Text}'",
        TokenKind.Number => $"number {Text}",
        TokenKind.String => $"string \"{Text}\"",
        TokenKind.Define => "'#define'",
        TokenKind.Include => "'#include'",
        TokenKind.EndOfFile => "end of file",
        _ => $"'{Text}'",
    };
}
