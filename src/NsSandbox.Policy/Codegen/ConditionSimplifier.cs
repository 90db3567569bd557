using NsSandbox.Policy.Semantics;
using NsSandbox.Policy.Syntax;

namespace NsSandbox.Policy.Codegen;

/// <summary>Folds constants out of a condition, so the code generator never emits a test whose outcome is
/// known (which would leave unreachable code): afterwards a constant can only be the whole condition.</summary>
public static class ConditionSimplifier
{
    public static Condition Simplify(Condition condition)
    {
        switch (condition)
        {
            case NotCondition n:
                var inner = Simplify(n.Operand);
                return inner is ConstantCondition k ? new ConstantCondition(!k.Value) : new NotCondition(inner);
            case LogicalCondition l:
                bool absorbing = l.Operator == LogicalOperator.Or; // true absorbs an Or, false an And
                var kept = new List<Condition>();
                foreach (var operand in l.Operands.Select(Simplify))
                {
                    if (operand is ConstantCondition constant)
                    {
                        if (constant.Value == absorbing) return constant;
                        continue;
                    }
                    kept.Add(operand);
                }
                return kept.Count switch
                {
                    0 => new ConstantCondition(!absorbing),
                    1 => kept[0],
                    _ => l with { Operands = kept },
                };
            case Comparison c when IsConstant(c.Left) && IsConstant(c.Right):
                return new ConstantCondition(ConditionMath.Holds(c, new ulong[6]));
            default:
                return condition;
        }
    }

    private static bool IsConstant(Operand o) => o switch
    {
        ArgumentOperand => false,
        BitOperand b => b.Operands.All(IsConstant),
        _ => true,
    };
}
