using NsSandbox.Policy.Syntax;

namespace NsSandbox.Policy.Semantics;

/// <summary>The meaning of a condition on concrete arguments: what the generated BPF must agree with.</summary>
public static class ConditionMath
{
    public static bool Holds(Condition condition, ReadOnlySpan<ulong> arguments)
    {
        switch (condition)
        {
            case ConstantCondition c:
                return c.Value;
            case NotCondition n:
                return !Holds(n.Operand, arguments);
            case LogicalCondition l when l.Operator == LogicalOperator.And:
                foreach (var o in l.Operands) if (!Holds(o, arguments)) return false;
                return true;
            case LogicalCondition l:
                foreach (var o in l.Operands) if (Holds(o, arguments)) return true;
                return false;
            case Comparison c:
                ulong width = c.Is32Bit ? uint.MaxValue : ulong.MaxValue;
                return Compare(c.Left.Evaluate(arguments) & width, c.Operator, c.Right.Evaluate(arguments) & width);
            default:
                throw new ArgumentOutOfRangeException(nameof(condition));
        }
    }

    public static bool Compare(ulong left, ComparisonOperator op, ulong right) => op switch
    {
        ComparisonOperator.Equal => left == right,
        ComparisonOperator.NotEqual => left != right,
        ComparisonOperator.Less => left < right,
        ComparisonOperator.LessOrEqual => left <= right,
        ComparisonOperator.Greater => left > right,
        _ => left >= right,
    };

    /// <summary>Whether two conditions decide every call alike by construction: the same tree, where it was
    /// written aside. Neighbouring syscalls with equal conditions share one range of the search.</summary>
    public static bool Same(Condition a, Condition b) => (a, b) switch
    {
        (LogicalCondition x, LogicalCondition y) => x.Operator == y.Operator && x.Operands.Count == y.Operands.Count
            && x.Operands.Zip(y.Operands).All(p => Same(p.First, p.Second)),
        (NotCondition x, NotCondition y) => Same(x.Operand, y.Operand),
        (Comparison x, Comparison y) => x.Operator == y.Operator && x.Is32Bit == y.Is32Bit && Same(x.Left, y.Left) && Same(x.Right, y.Right),
        _ => a.Equals(b),
    };

    public static bool Same(Operand a, Operand b) => (a, b) switch
    {
        (BitOperand x, BitOperand y) => x.Operator == y.Operator && x.Operands.Count == y.Operands.Count
            && x.Operands.Zip(y.Operands).All(p => Same(p.First, p.Second)),
        _ => a.Equals(b),
    };
}
