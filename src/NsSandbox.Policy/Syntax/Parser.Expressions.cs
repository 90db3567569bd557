namespace NsSandbox.Policy.Syntax;

// Conditions, by operator precedence with explicit stacks, so parentheses may nest as deep as the file is long
// without deepening the call stack. Precedence, low to high: ',' then '||' then '&&' then '!' then comparison,
// then '|' and '&' inside an operand. One grammar serves both boolean and value parentheses ("(prot & X) == 0"
// and "(a || b) && c"); the resolver checks that each operator got the kind of operand it needs.
public sealed partial class Parser
{
    /// <summary>kafel's bound on a condition's depth: each operator is one level over its deepest operand, a
    /// chain "a && b && c" is two levels, '!' is one, parentheses are none. It also bounds the recursion of
    /// everything that walks a condition.</summary>
    public const int MaxDepth = 200;

    private enum OpKind { Open, Not, Logical, Comparison, Bit }

    private sealed record Op(OpKind Kind, int Precedence, Token Token);

    /// <summary>An operand with its depth as kafel counts it.</summary>
    private sealed record Node(ExpressionSyntax Expression, int Depth);

    private ExpressionSyntax ParseCondition()
    {
        var operands = new Stack<Node>();
        var operators = new Stack<Op>();
        bool expectOperand = true;
        int open = 0; // '(' on the operator stack
        while (true)
        {
            if (expectOperand)
            {
                if (_current.Is("("))
                {
                    operators.Push(new Op(OpKind.Open, 0, Advance()));
                    open++;
                }
                else if (_current.Is("!")) operators.Push(new Op(OpKind.Not, 4, Advance()));
                else if (_current.Kind is TokenKind.Number or TokenKind.Identifier)
                {
                    operands.Push(new Node(new ValueExpression(ParseValue("a value")), 0));
                    expectOperand = false;
                }
                else if (_current.Is("}") && operators.TryPeek(out var last) && last.Token.Is(",") && open == 0)
                {
                    _dialect.Extension(last.Token.Location, "a ',' before '}'");
                    operators.Pop();
                    expectOperand = false;
                }
                else throw Expected("an argument name, a number, '(' or '!'");
                continue;
            }
            if (BinaryOperator(_current) is { } op)
            {
                while (operators.TryPeek(out var top) && top.Kind != OpKind.Open && top.Precedence >= op.Precedence)
                {
                    if (op.Kind == OpKind.Comparison && top.Kind == OpKind.Comparison)
                        throw new PolicyException(_current.Location, $"comparisons cannot be chained: found a second '{_current.Text}'; use && between comparisons");
                    Reduce(operands, operators.Pop());
                }
                operators.Push(op);
                Advance();
                expectOperand = true;
                continue;
            }
            if (_current.Is(")") && open > 0)
            {
                while (operators.Peek().Kind != OpKind.Open) Reduce(operands, operators.Pop());
                operators.Pop();
                open--;
                Advance();
                continue;
            }
            if (open > 0) throw Expected("')' to close '('");
            while (operators.Count > 0) Reduce(operands, operators.Pop());
            return operands.Pop().Expression;
        }
    }

    private Op? BinaryOperator(Token token)
    {
        if (token.Kind != TokenKind.Punctuation) return null;
        return token.Text switch
        {
            "," => new Op(OpKind.Logical, 1, token),
            "||" => new Op(OpKind.Logical, 2, token),
            "&&" => new Op(OpKind.Logical, 3, token),
            "==" or "!=" or "<" or "<=" or ">" or ">=" => new Op(OpKind.Comparison, 5, token),
            "|" => new Op(OpKind.Bit, 6, token),
            "&" => new Op(OpKind.Bit, 7, token),
            _ => null,
        };
    }

    private static void Reduce(Stack<Node> operands, Op op)
    {
        if (op.Kind == OpKind.Not)
        {
            var child = operands.Pop();
            CheckDepth(child.Depth, op.Token.Location);
            operands.Push(new Node(new NotExpression(child.Expression, op.Token.Location), child.Depth + 1));
            return;
        }
        var right = operands.Pop();
        var left = operands.Pop();
        CheckDepth(Math.Max(left.Depth, right.Depth), left.Expression.Location);
        int depth = Math.Max(left.Depth, right.Depth) + 1;
        var at = left.Expression.Location;
        ExpressionSyntax result = op.Kind switch
        {
            OpKind.Logical => Logical(op.Token.Text == "&&" ? LogicalOperator.And : LogicalOperator.Or, left.Expression, right.Expression, at),
            OpKind.Bit => Bits(op.Token.Text == "&" ? BitOperator.And : BitOperator.Or, left.Expression, right.Expression, at),
            _ => new ComparisonExpression(left.Expression, ComparisonFor(op.Token.Text), right.Expression, at),
        };
        operands.Push(new Node(result, depth));
    }

    private static void CheckDepth(int operandDepth, SourceLocation at)
    {
        if (operandDepth >= MaxDepth)
            throw new PolicyException(at, $"condition nested too deeply: more than {MaxDepth} levels of operators (kafel's limit; parentheses do not count)");
    }

    // Chains of one operator become one n-ary node (its meaning is the same), so a tree is never deeper than kafel's.
    private static LogicalExpression Logical(LogicalOperator op, ExpressionSyntax left, ExpressionSyntax right, SourceLocation at) =>
        left is LogicalExpression l && l.Operator == op
            ? l with { Operands = [.. l.Operands, right] }
            : new LogicalExpression(op, [left, right], at);

    private static BitExpression Bits(BitOperator op, ExpressionSyntax left, ExpressionSyntax right, SourceLocation at) =>
        left is BitExpression b && b.Operator == op
            ? b with { Operands = [.. b.Operands, right] }
            : new BitExpression(op, [left, right], at);

    private static ComparisonOperator ComparisonFor(string text) => text switch
    {
        "==" => ComparisonOperator.Equal,
        "!=" => ComparisonOperator.NotEqual,
        "<" => ComparisonOperator.Less,
        "<=" => ComparisonOperator.LessOrEqual,
        ">" => ComparisonOperator.Greater,
        _ => ComparisonOperator.GreaterOrEqual,
    };
}
