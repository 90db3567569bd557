namespace NsSandbox.Policy.Syntax;

public enum TokenKind { Identifier, Keyword, Number, String, Punctuation, Define, Include, EndOfFile }

/// <summary>One lexical token. Text is the source spelling; Value is set for numbers.</summary>
public sealed record Token(TokenKind Kind, string Text, ulong Value, SourceLocation Location)
{
    /// <summary>kafel's reserved words: none of them can name a policy, a constant, a syscall or an argument.</summary>
    public static readonly IReadOnlySet<string> Keywords = new HashSet<string>(StringComparer.Ordinal)
    {
        "SYSCALL", "ALLOW", "LOG", "USER_NOTIF", "ERRNO", "KILL_PROCESS", "KILL_THREAD", "KILL", "DENY", "TRAP",
        "TRACE", "USE", "POLICY", "DEFAULT", "define",
    };

    public bool Is(string punctuationOrKeyword) =>
        Kind is TokenKind.Punctuation or TokenKind.Identifier or TokenKind.Keyword && Text == punctuationOrKeyword;

    /// <summary>How error messages name the token: "identifier 'write'", "'{'", "end of file".</summary>
    public string Describe() => Kind switch
    {
        TokenKind.Identifier => $"identifier '{Names.Quote(Text)}'",
        TokenKind.Keyword => $"keyword '{Text}'",
        TokenKind.Number => $"number {Names.Quote(Text)}",
        TokenKind.String => $"string \"{Names.Quote(Text)}\"",
        TokenKind.Define => "'#define'",
        TokenKind.Include => "'#include'",
        TokenKind.EndOfFile => "end of file",
        _ => $"'{Text}'",
    };
}

/// <summary>Names and spellings quoted in messages: a name has no length limit, a message quotes 40 characters.</summary>
public static class Names
{
    public static string Quote(string s) => s.Length <= 40 ? s : s[..37] + "...";
}
