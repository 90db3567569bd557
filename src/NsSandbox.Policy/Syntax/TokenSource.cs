namespace NsSandbox.Policy.Syntax;

/// <summary>The parser's token supply: a stack of lexers, one per open file, so an #include splices the
/// included file's tokens in place (as kafel's does). The stack is the include chain, which finds cycles.</summary>
public sealed class TokenSource
{
    public const int MaxIncludeDepth = 32;

    private sealed record Frame(Lexer Lexer, string FullPath, string Directory, Queue<Token> PendingIncludes);

    private readonly Stack<Frame> _frames = new();
    private readonly IncludeLoader _loader;

    public TokenSource(PolicySource source, PolicyOptions options)
    {
        _loader = new IncludeLoader(options);
        Dialect = new Dialect(options.Kafel);
        string full = source.Name == PolicySource.StringName
            ? source.Name
            : Path.GetFullPath(source.Name);
        _frames.Push(new Frame(new Lexer(source.Text, source.Name, Dialect), full, source.BaseDirectory, new Queue<Token>()));
    }

    /// <summary>Where the language's extensions are reported, for the lexers, the parser and the resolver.</summary>
    public Dialect Dialect { get; }

    public Token Next()
    {
        while (true)
        {
            var top = _frames.Peek();
            if (top.PendingIncludes.TryDequeue(out var name))
            {
                Open(name, top);
                continue;
            }
            var token = top.Lexer.Next();
            if (token.Kind == TokenKind.Include)
            {
                foreach (var n in top.Lexer.ReadIncludeNames(token.Location)) top.PendingIncludes.Enqueue(n);
                continue;
            }
            if (token.Kind == TokenKind.EndOfFile && _frames.Count > 1)
            {
                _frames.Pop();
                continue;
            }
            return token;
        }
    }

    private void Open(Token name, Frame including)
    {
        var (full, text) = _loader.Load(name.Text, including.Directory, name.Location);
        var chain = _frames.Reverse().Select(f => f.FullPath).ToList();
        if (chain.Contains(full))
        {
            var cycle = chain.SkipWhile(p => p != full).Append(full).Select(Path.GetFileName);
            throw new PolicyException(name.Location, $"#include cycle: {string.Join(" -> ", cycle)}");
        }
        if (_frames.Count >= MaxIncludeDepth)
            throw new PolicyException(name.Location, $"#include nested more than {MaxIncludeDepth} deep");
        string shown = Path.GetRelativePath(Directory.GetCurrentDirectory(), full);
        if (shown.StartsWith("..", StringComparison.Ordinal)) shown = full;
        _frames.Push(new Frame(new Lexer(text, shown, Dialect), full, Path.GetDirectoryName(full)!, new Queue<Token>()));
    }
}
