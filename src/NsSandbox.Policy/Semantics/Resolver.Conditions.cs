using NsSandbox.Policy.Syntax;

namespace NsSandbox.Policy.Semantics;

// Conditions: checks that boolean operators get conditions and comparisons get values, and folds every
// operand to the (argument & And) | Or normal form the code generator compiles.
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

    private Condition ResolveComparison(ComparisonExpression c, ArgumentScope scope)
    {
        var left = ResolveOperand(c.Left, scope);
        var right = ResolveOperand(c.Right, scope);
        var arguments = new[] { left.Argument, right.Argument }.OfType<int>().ToArray();
        bool is32 = arguments.Length > 0 && arguments.All(scope.Is32Bit);
        var comparison = new Comparison(left, c.Operator, right, is32);
        return arguments.Length == 0 ? new ConstantCondition(ConditionMath.Holds(comparison, [])) : comparison;
    }

    private Operand ResolveOperand(ExpressionSyntax expression, ArgumentScope scope)
    {
        switch (expression)
        {
            case ValueExpression { Value: NumberValue n }:
                return Operand.Constant(n.Value);
            case ValueExpression { Value: NamedValue v }:
                int index = scope.IndexOf(v.Name);
                if (index >= 0) return Operand.Of(index);
                if (_defines.TryGetValue(v.Name, out var define)) return Operand.Constant(define.Value);
                throw new PolicyException(v.Location,
                    $"undefined name '{v.Name}': not an argument of {scope.Describe()} nor a #define");
            case BitExpression b:
                var result = ResolveOperand(b.Operands[0], scope);
                for (int i = 1; i < b.Operands.Count; i++)
                    result = Combine(result, b.Operator, ResolveOperand(b.Operands[i], scope), b.Operands[i].Location);
                return result;
            default:
                throw new PolicyException(expression.Location, "expected a value, found a condition (comparisons cannot be operands)");
        }
    }

    /// <summary>((x &amp; a) | o) &amp; c = (x &amp; (a &amp; c)) | (o &amp; c); ((x &amp; a) | o) | c = (x &amp; a) | (o | c).</summary>
    private static Operand Combine(Operand left, BitOperator op, Operand right, SourceLocation at)
    {
        if (left.Argument is not null && right.Argument is not null)
            throw new PolicyException(at, "an operand may use one argument only: combine an argument with constants (x & MASK, x | BITS)");
        var (withArgument, constant) = left.Argument is null ? (right, left.Or) : (left, right.Or);
        return op == BitOperator.And
            ? withArgument with { And = withArgument.And & constant, Or = withArgument.Or & constant }
            : withArgument with { Or = withArgument.Or | constant };
    }
}
