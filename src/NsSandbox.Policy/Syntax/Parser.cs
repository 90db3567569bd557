namespace NsSandbox.Policy.Syntax;

/// <summary>Recursive descent over the grammar in docs/policy.md. The first error throws a
/// <see cref="PolicyException"/> naming the position, what was found and what was expected.</summary>
public sealed partial class Parser
{
    private static readonly HashSet<string> ParameterActions = ["ERRNO", "TRAP", "TRACE"];

    public static readonly IReadOnlySet<string> ActionKeywords = new HashSet<string>
    {
        "ALLOW", "LOG", "KILL", "KILL_THREAD", "DENY", "KILL_PROCESS", "USER_NOTIF", "ERRNO", "TRAP", "TRACE",
    };

    public const int MaxDeclaredArguments = 6;

    private readonly TokenSource _tokens;
    private Token _current;

    private Parser(TokenSource tokens)
    {
        _tokens = tokens;
        _current = tokens.Next();
    }

    public static PolicyFile Parse(PolicySource source, PolicyOptions? options = null) =>
        new Parser(new TokenSource(source, options ?? PolicyOptions.Default)).ParseFile();

    private PolicyFile ParseFile()
    {
        var statements = new List<Statement>();
        while (_current.Kind != TokenKind.EndOfFile)
        {
            if (_current.Kind == TokenKind.Define) statements.Add(ParseDefine());
            else if (_current.Is("POLICY")) statements.Add(ParsePolicy());
            else if (_current.Is("DEFAULT")) statements.Add(ParseDefault());
            else if (_current.Is("USE")) ParseUse(statements, topLevel: true);
            else if (IsAction(_current)) statements.Add(new TopLevelItem(ParseActionBlock()));
            else if (_current.Is(",") || _current.Is(";")) Advance();
            else throw Expected("POLICY, USE, DEFAULT, #define or an action block (ALLOW { ... })");
        }
        return new PolicyFile(statements);
    }

    private DefineStatement ParseDefine()
    {
        var at = Advance().Location;
        var name = ExpectIdentifier("a name after #define");
        if (_current.Kind is not (TokenKind.Number or TokenKind.Identifier))
            throw Expected($"a number for #define {name.Text}");
        return new DefineStatement(name.Text, ParseValue("a number"), at);
    }

    private PolicyDefinition ParsePolicy()
    {
        var at = Advance().Location;
        var name = ExpectIdentifier("a policy name after POLICY");
        Expect("{", $"'{{' to open policy {name.Text}");
        var items = new List<PolicyItem>();
        while (!_current.Is("}"))
        {
            if (_current.Kind == TokenKind.Define)
                throw new PolicyException(_current.Location, "#define is not allowed inside a policy body; put it before POLICY");
            if (_current.Is("DEFAULT"))
                throw new PolicyException(_current.Location, "DEFAULT is not allowed inside a policy body; write it at file scope");
            if (_current.Is("USE")) ParseUse(items);
            else if (IsAction(_current)) items.Add(ParseActionBlock());
            else throw Expected($"an action block or USE in policy {name.Text}");
            if (!_current.Is("}")) Expect(",", $"',' or '}}' after an item of policy {name.Text}");
        }
        Advance();
        return new PolicyDefinition(name.Text, items, at);
    }

    private DefaultStatement ParseDefault()
    {
        var at = Advance().Location;
        if (!IsAction(_current)) throw Expected("an action after DEFAULT (ALLOW, KILL, ERRNO(n), ...)");
        return new DefaultStatement(ParseAction(), at);
    }

    /// <summary>USE a, b, ... (more names after commas); at file scope also the nsjail-style "DEFAULT action".</summary>
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
        }
    }

    /// <summary>After "USE a," decides whether the next token continues the list of names.</summary>
    private bool PeekIsPolicyName()
    {
        // The comma is _current; a one-token look-ahead past it is needed. The lexer has no peek, so the
        // parser keeps one token of look-ahead here by buffering.
        _lookahead ??= _tokens.Next();
        var next = _lookahead;
        return next.Kind == TokenKind.Identifier && !IsAction(next)
            && next.Text is not ("USE" or "POLICY" or "DEFAULT");
    }

    private ActionBlock ParseActionBlock()
    {
        var action = ParseAction();
        Expect("{", $"'{{' after {action.Keyword}");
        var rules = new List<RuleSyntax>();
        while (!_current.Is("}"))
        {
            rules.Add(ParseRule());
            if (!_current.Is("}")) Expect(",", $"',' or '}}' after a rule in the {action.Keyword} block");
        }
        Advance();
        return new ActionBlock(action, rules, action.Location);
    }

    private ActionSyntax ParseAction()
    {
        var keyword = Advance();
        if (!ParameterActions.Contains(keyword.Text)) return new ActionSyntax(keyword.Text, null, keyword.Location);
        Expect("(", $"'(' after {keyword.Text}: {keyword.Text}(number)");
        var value = ParseValue($"a number for {keyword.Text}(...)");
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
            syscall = new NumberedSyscall(ParseValue("a syscall number in SYSCALL[...]"), at);
            Expect("]", "']' to close SYSCALL[");
        }
        else syscall = new NamedSyscall(ExpectIdentifier("a syscall name").Text, at);

        List<NameSyntax>? arguments = null;
        if (_current.Is("("))
        {
            Advance();
            arguments = [];
            do
            {
                var name = ExpectIdentifier("an argument name");
                if (arguments.Count == MaxDeclaredArguments)
                    throw new PolicyException(name.Location, $"a syscall has at most {MaxDeclaredArguments} arguments");
                arguments.Add(new NameSyntax(name.Text, name.Location));
            } while (TryTake(","));
            Expect(")", "',' or ')' in the argument list");
        }

        List<NameSyntax>? arches = null;
        if (_current.Is("ON"))
        {
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
        if (_current.Is("{"))
        {
            Advance();
            condition = ParseConditionList();
            Expect("}", "',' or '}' after a condition");
        }
        return new RuleSyntax(syscall, arguments, arches, condition, at);
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

    private static bool IsAction(Token token) => token.Kind == TokenKind.Identifier && ActionKeywords.Contains(token.Text);

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
