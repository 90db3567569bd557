using NsSandbox.Policy.Syntax;

namespace NsSandbox.Policy.Semantics;

// Conditions: checks that boolean operators get conditions and comparisons get values, folds constants, and
// holds a comparison of 32-bit arguments to constants that fit 32 bits.
public sealed partial class Resolver
{
    private Condition ResolveCondition(ExpressionSyntax expression, ArgumentScope scope) => expression switch
    {
        LogicalExpression l => new LogicalCondition(l.Operator, l.Operands.Select(o => ResolveCondition(o, scope)).ToArray()),
        NotExpression n => new NotCondition(ResolveCondition(n.Operand, scope)),
        ComparisonExpression c => ResolveComparison(c, scope),
        _ => throw new PolicyException(expression.Location,
            "expected a comparison, found a value (write 'x != 0' to test a value for non-zero)"),
    };

    private readonly record struct Literal(ulong Value, string Spelling, SourceLocation At);

    private Condition ResolveComparison(ComparisonExpression c, ArgumentScope scope)
    {
        var literals = new List<Literal>();
        var written = new List<ArgumentOperand>(); // as written: "optval & 0" still counts optval's width
        var left = ResolveOperand(c.Left, scope, literals, written);
        var right = ResolveOperand(c.Right, scope, literals, written);
        bool is32 = written.Count > 0 && written.All(a => a.Is32Bit);
        if (is32) CheckWidth(literals, scope, written[0].Index);
        var comparison = new Comparison(left, c.Operator, right, is32, c.Location);
        return Arguments(left).Concat(Arguments(right)).Any() ? comparison : new ConstantCondition(ConditionMath.Holds(comparison, []));
    }

    /// <summary>The kernel reads a 32-bit argument's low half only, so a comparison of such arguments is made on
    /// 32 bits; a constant that does not fit would be cut and mean something else than it says. A negative
    /// number that fits 32 bits (-100 for AT_FDCWD) is its 32-bit two's complement.</summary>
    private static void CheckWidth(List<Literal> literals, ArgumentScope scope, int argument)
    {
        foreach (var literal in literals)
        {
            if (literal.Value <= uint.MaxValue || literal.Value >= 0xFFFF_FFFF_8000_0000) continue;
            throw new PolicyException(literal.At,
                $"{literal.Spelling} does not fit in 32 bits, the width of {scope.NameOf(argument)} of {scope.SyscallName}: " +
                "the kernel reads only the low 32 bits of that argument (use 0..0xffffffff or -2147483648..-1)");
        }
    }

    private static IEnumerable<ArgumentOperand> Arguments(Operand operand) => operand switch
    {
        ArgumentOperand a => [a],
        BitOperand b => b.Operands.SelectMany(Arguments),
        _ => [],
    };

    private Operand ResolveOperand(ExpressionSyntax expression, ArgumentScope scope, List<Literal> literals, List<ArgumentOperand> written)
    {
        switch (expression)
        {
            case ValueExpression { Value: NumberValue n }:
                literals.Add(new Literal(n.Value, n.Spelling, n.Location));
                return new ConstantOperand(n.Value);
            case ValueExpression { Value: NamedValue v }:
                // As in kafel, a #define comes before an argument of the same name.
                if (_defines.TryGetValue(v.Name, out var define))
                {
                    literals.Add(new Literal(define.Value, $"{Names.Quote(v.Name)} (0x{define.Value:x})", v.Location));
                    return new ConstantOperand(define.Value);
                }
                int index = scope.IndexOf(v.Name);
                if (index >= 0)
                {
                    written.Add(new ArgumentOperand(index, scope.Is32Bit(index)));
                    return written[^1];
                }
                throw new PolicyException(v.Location,
                    $"undefined name '{Names.Quote(v.Name)}': not an argument of {scope.Describe()} nor a #define");
            case BitExpression b:
                return Fold(b.Operator, b.Operands.Select(o => ResolveOperand(o, scope, literals, written)).ToList());
            default:
                throw new PolicyException(expression.Location, "expected a value, found a condition (comparisons cannot be operands)");
        }
    }

    /// <summary>x op y op ... with nested same operators flattened and the constants combined into one, last;
    /// a constant that decides the result (x &amp; 0, x | ~0) replaces it, one that changes nothing is dropped.</summary>
    private static Operand Fold(BitOperator op, IEnumerable<Operand> operands)
    {
        var kept = new List<Operand>();
        ulong constant = op == BitOperator.And ? ulong.MaxValue : 0;
        foreach (var operand in operands)
        {
            if (operand is ConstantOperand c)
                constant = op == BitOperator.And ? constant & c.Value : constant | c.Value;
            else if (operand is BitOperand b && b.Operator == op)
                foreach (var inner in b.Operands)
                {
                    if (inner is ConstantOperand k) constant = op == BitOperator.And ? constant & k.Value : constant | k.Value;
                    else kept.Add(inner);
                }
            else kept.Add(operand);
        }
        ulong decisive = op == BitOperator.And ? 0 : ulong.MaxValue, neutral = ~decisive;
        if (constant == decisive || kept.Count == 0) return new ConstantOperand(constant);
        if (constant != neutral) kept.Add(new ConstantOperand(constant));
        return kept.Count == 1 ? kept[0] : new BitOperand(op, kept);
    }
}
