namespace NsSandbox.Policy.Syntax;

// Conditions. Precedence, low to high: ',' then '||' then '&&' then '!' then comparison, then '|' and '&'
// inside an operand. One grammar serves both boolean and value parentheses ("(prot & X) == 0" and
// "(a || b) && c"); the resolver checks that each operator got the kind of operand it needs.
public sealed partial class Parser
{
    /// <summary>Bounds parentheses and '!' nesting, so no input can exhaust the stack.</summary>
    public const int MaxNesting = 200;

    private int _nesting;

    private ExpressionSyntax ParseConditionList()
    {
        var at = _current.Location;
        var operands = new List<ExpressionSyntax> { ParseOr() };
        while (_current.Is(","))
        {
            Advance();
            if (_current.Is("}")) break; // a trailing comma
            operands.Add(ParseOr());
        }
        return operands.Count == 1 ? operands[0] : new LogicalExpression(LogicalOperator.Or, operands, at);
    }

    private ExpressionSyntax ParseOr() => ParseLogical(LogicalOperator.Or, "||", ParseAnd);

    private ExpressionSyntax ParseAnd() => ParseLogical(LogicalOperator.And, "&&", ParseNot);

    private ExpressionSyntax ParseLogical(LogicalOperator op, string symbol, Func<ExpressionSyntax> operand)
    {
        var at = _current.Location;
        var operands = new List<ExpressionSyntax> { operand() };
        while (TryTake(symbol)) operands.Add(operand());
        return operands.Count == 1 ? operands[0] : new LogicalExpression(op, operands, at);
    }

    private ExpressionSyntax ParseNot()
    {
        if (!_current.Is("!")) return ParseComparison();
        var at = Advance().Location;
        Enter(at);
        var operand = ParseNot();
        _nesting--;
        return new NotExpression(operand, at);
    }

    private ExpressionSyntax ParseComparison()
    {
        var left = ParseBits(BitOperator.Or, "|", () => ParseBits(BitOperator.And, "&", ParsePrimary));
        if (ComparisonFor(_current) is not { } op) return left;
        Advance();
        var right = ParseBits(BitOperator.Or, "|", () => ParseBits(BitOperator.And, "&", ParsePrimary));
        if (ComparisonFor(_current) is not null)
            throw new PolicyException(_current.Location, $"comparisons cannot be chained: found a second '{_current.Text}'; use && between comparisons");
        return new ComparisonExpression(left, op, right, left.Location);
    }

    private ExpressionSyntax ParseBits(BitOperator op, string symbol, Func<ExpressionSyntax> operand)
    {
        var at = _current.Location;
        var operands = new List<ExpressionSyntax> { operand() };
        while (TryTake(symbol)) operands.Add(operand());
        return operands.Count == 1 ? operands[0] : new BitExpression(op, operands, at);
    }

    private ExpressionSyntax ParsePrimary()
    {
        if (_current.Is("("))
        {
            var at = Advance().Location;
            Enter(at);
            var inner = ParseOr();
            Expect(")", "')' to close '('");
            _nesting--;
            return inner;
        }
        if (_current.Kind is TokenKind.Number or TokenKind.Identifier)
            return new ValueExpression(ParseValue("a value"));
        throw Expected("an argument name, a number, '(' or '!'");
    }

    private void Enter(SourceLocation at)
    {
        if (++_nesting > MaxNesting)
            throw new PolicyException(at, $"condition nested too deeply (more than {MaxNesting} levels of '(' or '!')");
    }

    private static ComparisonOperator? ComparisonFor(Token token) => token.Kind != TokenKind.Punctuation ? null : token.Text switch
    {
        "==" => ComparisonOperator.Equal,
        "!=" => ComparisonOperator.NotEqual,
        "<" => ComparisonOperator.Less,
        "<=" => ComparisonOperator.LessOrEqual,
        ">" => ComparisonOperator.Greater,
        ">=" => ComparisonOperator.GreaterOrEqual,
        _ => null,
    };
}
