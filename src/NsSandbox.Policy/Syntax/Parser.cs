namespace NsSandbox.Policy.Syntax;

/// <summary>Recursive descent over the grammar in docs/policy.md (conditions: Parser.Expressions.cs). The first
/// error throws a <see cref="PolicyException"/> naming the position, what was found and what was expected;
/// constructs kafel would refuse are reported to the <see cref="Dialect"/>.</summary>
public sealed partial class Parser
{
    private static readonly HashSet<string> ParameterActions = ["ERRNO", "TRAP", "TRACE"];

    public static readonly IReadOnlySet<string> ActionKeywords = new HashSet<string>
    {
        "ALLOW", "LOG", "KILL", "KILL_THREAD", "DENY", "KILL_PROCESS", "USER_NOTIF", "ERRNO", "TRAP", "TRACE",
    };

    public const int MaxDeclaredArguments = 6;

    private readonly TokenSource _tokens;
    private readonly Dialect _dialect;
    private Token _current;

    private Parser(TokenSource tokens)
    {
        _tokens = tokens;
        _dialect = tokens.Dialect;
        _current = tokens.Next();
    }

    public static PolicyFile Parse(PolicySource source, PolicyOptions? options = null)
    {
        var tokens = new TokenSource(source, options ?? PolicyOptions.Default);
        return new PolicyFile(new Parser(tokens).ParseFile(), tokens.Dialect);
    }

    private List<Statement> ParseFile()
    {
        var statements = new List<Statement>();
        // kafel separates file-scope USE and action blocks with optional commas, and allows no other separator.
        bool afterItem = false;
        Token? separator = null;
        while (_current.Kind != TokenKind.EndOfFile)
        {
            if (_current.Is(",") || _current.Is(";"))
            {
                if (_current.Is(";") || separator is not null || !afterItem) NoteSeparator(Advance());
                else separator = Advance();
                continue;
            }
            bool item = _current.Is("USE") || IsAction(_current);
            if (separator is not null && !item) NoteSeparator(separator);
            separator = null;
            afterItem = item;
            if (_current.Kind == TokenKind.Define) statements.Add(ParseDefine());
            else if (_current.Is("POLICY")) statements.Add(ParsePolicy());
            else if (_current.Is("DEFAULT")) statements.Add(ParseDefault());
            else if (_current.Is("USE")) ParseUse(statements, topLevel: true);
            else if (IsAction(_current)) statements.Add(new TopLevelItem(ParseActionBlock()));
            else throw Expected("POLICY, USE, DEFAULT, #define or an action block (ALLOW { ... })");
            afterItem &= statements.Count > 0 && statements[^1] is TopLevelItem;
        }
        if (separator is not null) NoteSeparator(separator);
        if (statements.Count == 0) throw new PolicyException(_current.Location, "the policy is empty: expected POLICY, USE, DEFAULT, #define or an action block");
        return statements;
    }

    private void NoteSeparator(Token token) =>
        _dialect.Extension(token.Location, $"'{token.Text}' here (kafel allows a ',' only between USE and action blocks)");

    private DefineStatement ParseDefine()
    {
        var at = Advance().Location;
        var name = ExpectIdentifier("a name after #define");
        if (_current.Kind is not (TokenKind.Number or TokenKind.Identifier))
            throw Expected($"a number for #define {Names.Quote(name.Text)}");
        return new DefineStatement(name.Text, ParseNumber("a number", "#define NAME NAME"), at);
    }

    private PolicyDefinition ParsePolicy()
    {
        var at = Advance().Location;
        var name = ExpectIdentifier("a policy name after POLICY");
        Expect("{", $"'{{' to open policy {Names.Quote(name.Text)}");
        var items = new List<PolicyItem>();
        while (!_current.Is("}"))
        {
            if (_current.Kind == TokenKind.Define)
                throw new PolicyException(_current.Location, "#define is not allowed inside a policy body; put it before POLICY");
            if (_current.Is("DEFAULT"))
                throw new PolicyException(_current.Location, "DEFAULT is not allowed inside a policy body; write it at file scope");
            if (_current.Is("USE")) ParseUse(items);
            else if (IsAction(_current)) items.Add(ParseActionBlock());
            else throw Expected($"an action block or USE in policy {Names.Quote(name.Text)}");
            if (!_current.Is("}")) TrailingComma(Expect(",", $"',' or '}}' after an item of policy {Names.Quote(name.Text)}"));
        }
        Advance();
        return new PolicyDefinition(name.Text, items, at);
    }

    /// <summary>After a ',' in a list: a '}' next is a trailing comma, which kafel does not accept.</summary>
    private void TrailingComma(Token comma)
    {
        if (_current.Is("}")) _dialect.Extension(comma.Location, "a ',' before '}'");
    }

    private DefaultStatement ParseDefault()
    {
        var at = Advance().Location;
        if (!IsAction(_current)) throw Expected("an action after DEFAULT (ALLOW, KILL, ERRNO(n), ...)");
        return new DefaultStatement(ParseAction(), at);
    }

    /// <summary>USE a, b, ... (more names after commas, an extension); at file scope also "DEFAULT action".</summary>
    private void ParseUse(List<Statement> statements, bool topLevel)
    {
        var items = new List<PolicyItem>();
        ParseUse(items);
        statements.AddRange(items.Select(i => new TopLevelItem(i)));
        if (topLevel && _current.Is("DEFAULT")) statements.Add(ParseDefault());
    }

    private void ParseUse(List<PolicyItem> items)
    {
        Advance();
        while (true)
        {
            var name = ExpectIdentifier("a policy name after USE");
            items.Add(new UseItem(name.Text, name.Location));
            if (!_current.Is(",") || !PeekIsPolicyName()) return;
            Advance();
            _dialect.Extension(_current.Location, "'USE a, b' (kafel writes 'USE a, USE b')");
        }
    }

    /// <summary>After "USE a," decides whether the next token continues the list of names.</summary>
    private bool PeekIsPolicyName()
    {
        // The comma is _current; a one-token look-ahead past it is needed, buffered here.
        _lookahead ??= _tokens.Next();
        return _lookahead.Kind == TokenKind.Identifier;
    }

    private ActionBlock ParseActionBlock()
    {
        var action = ParseAction();
        Expect("{", $"'{{' after {action.Keyword}");
        var rules = new List<RuleSyntax>();
        while (!_current.Is("}"))
        {
            rules.Add(ParseRule());
            if (!_current.Is("}")) TrailingComma(Expect(",", $"',' or '}}' after a rule in the {action.Keyword} block"));
        }
        Advance();
        return new ActionBlock(action, rules, action.Location);
    }

    private ActionSyntax ParseAction()
    {
        var keyword = Advance();
        if (!ParameterActions.Contains(keyword.Text)) return new ActionSyntax(keyword.Text, null, keyword.Location);
        Expect("(", $"'(' after {keyword.Text}: {keyword.Text}(number)");
        var value = ParseNumber($"a number for {keyword.Text}(...)", $"{keyword.Text}(NAME)");
        Expect(")", $"')' to close {keyword.Text}(");
        return new ActionSyntax(keyword.Text, value, keyword.Location);
    }

    private RuleSyntax ParseRule()
    {
        var at = _current.Location;
        SyscallSyntax syscall;
        if (_current.Is("SYSCALL"))
        {
            Advance();
            Expect("[", "'[' after SYSCALL: SYSCALL[number]");
            syscall = new NumberedSyscall(ParseNumber("a syscall number in SYSCALL[...]", "SYSCALL[NAME]"), at);
            Expect("]", "']' to close SYSCALL[");
        }
        else syscall = new NamedSyscall(ExpectIdentifier("a syscall name").Text, at);

        List<NameSyntax>? arguments = null;
        if (TryTake("("))
        {
            arguments = [];
            while (!_current.Is(")"))
            {
                if (arguments.Count > 0) Expect(",", "',' or ')' in the argument list");
                var name = ExpectIdentifier("an argument name");
                if (arguments.Count == MaxDeclaredArguments)
                    throw new PolicyException(name.Location, $"a syscall has at most {MaxDeclaredArguments} arguments");
                arguments.Add(new NameSyntax(name.Text, name.Location));
            }
            Advance();
        }

        List<NameSyntax>? arches = null;
        if (_current.Kind == TokenKind.Identifier && _current.Text == "ON")
        {
            _dialect.Extension(_current.Location, "ON (rules for some architectures)");
            Advance();
            arches = [];
            if (TryTake("{"))
            {
                do
                {
                    var arch = ExpectIdentifier("an architecture name (x86_64, aarch64)");
                    arches.Add(new NameSyntax(arch.Text, arch.Location));
                } while (TryTake(","));
                Expect("}", "',' or '}' in the architecture list");
            }
            else
            {
                var arch = ExpectIdentifier("an architecture name (x86_64, aarch64) or '{' after ON");
                arches.Add(new NameSyntax(arch.Text, arch.Location));
            }
        }

        ExpressionSyntax? condition = null;
        if (TryTake("{"))
        {
            if (!_current.Is("}")) condition = ParseCondition();
            Expect("}", "',' or '}' after a condition");
        }
        return new RuleSyntax(syscall, arguments, arches, condition, at);
    }

    /// <summary>A number where kafel takes only a literal; a #define'd name there is an extension.</summary>
    private ValueSyntax ParseNumber(string what, string extension)
    {
        if (_current.Kind == TokenKind.Identifier) _dialect.Extension(_current.Location, $"'{extension}' (kafel takes a number literal here)");
        return ParseValue(what);
    }

    private ValueSyntax ParseValue(string what)
    {
        var token = _current;
        if (token.Kind == TokenKind.Number)
        {
            Advance();
            return new NumberValue(token.Value, token.Text, token.Location);
        }
        if (token.Kind == TokenKind.Identifier)
        {
            Advance();
            return new NamedValue(token.Text, token.Location);
        }
        throw Expected(what);
    }

    private static bool IsAction(Token token) => token.Kind == TokenKind.Keyword && ActionKeywords.Contains(token.Text);

    private Token? _lookahead;

    private Token Advance()
    {
        var taken = _current;
        if (_lookahead is { } buffered)
        {
            _current = buffered;
            _lookahead = null;
        }
        else _current = _tokens.Next();
        return taken;
    }

    private bool TryTake(string punctuation)
    {
        if (!_current.Is(punctuation)) return false;
        Advance();
        return true;
    }

    private Token Expect(string punctuation, string what)
    {
        if (!_current.Is(punctuation)) throw Expected(what);
        return Advance();
    }

    private Token ExpectIdentifier(string what)
    {
        if (_current.Kind != TokenKind.Identifier) throw Expected(what);
        return Advance();
    }

    private PolicyException Expected(string what) =>
        new(_current.Location, $"expected {what}, found {_current.Describe()}");
}
