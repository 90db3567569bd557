using NsSandbox.Policy.Bpf;
using NsSandbox.Policy.Semantics;
using NsSandbox.Policy.Syntax;

namespace NsSandbox.Policy.Codegen;

/// <summary>Compiles a simplified condition to short-circuit jumps to a true and a false label. A 64-bit
/// comparison becomes tests of the high and low 32-bit halves, since classic BPF registers are 32 bits.</summary>
public sealed class ConditionEmitter(Assembler asm)
{
    private enum Relation { Equal, Greater, GreaterOrEqual }

    /// <summary>One 32-bit half of an operand: a constant, or an argument word with its masks applied.</summary>
    private readonly record struct Half(bool IsConstant, uint Value, int Offset, uint And, uint Or);

    public void Emit(Condition condition, int whenTrue, int whenFalse)
    {
        switch (condition)
        {
            case ConstantCondition c:
                asm.GoTo(c.Value ? whenTrue : whenFalse);
                break;
            case NotCondition n:
                Emit(n.Operand, whenFalse, whenTrue);
                break;
            case LogicalCondition l:
                for (int i = 0; i < l.Operands.Count - 1; i++)
                {
                    int next = asm.NewLabel();
                    if (l.Operator == LogicalOperator.And) Emit(l.Operands[i], next, whenFalse);
                    else Emit(l.Operands[i], whenTrue, next);
                    asm.Place(next);
                }
                Emit(l.Operands[^1], whenTrue, whenFalse);
                break;
            case Comparison c:
                EmitComparison(c, whenTrue, whenFalse);
                break;
        }
    }

    private void EmitComparison(Comparison c, int whenTrue, int whenFalse)
    {
        // l < r is !(l >= r), l <= r is !(l > r), l != r is !(l == r).
        var (relation, t, f) = c.Operator switch
        {
            ComparisonOperator.Equal => (Relation.Equal, whenTrue, whenFalse),
            ComparisonOperator.NotEqual => (Relation.Equal, whenFalse, whenTrue),
            ComparisonOperator.Greater => (Relation.Greater, whenTrue, whenFalse),
            ComparisonOperator.GreaterOrEqual => (Relation.GreaterOrEqual, whenTrue, whenFalse),
            ComparisonOperator.Less => (Relation.GreaterOrEqual, whenFalse, whenTrue),
            _ => (Relation.Greater, whenFalse, whenTrue),
        };
        var (leftLow, rightLow) = (HalfOf(c.Left, high: false), HalfOf(c.Right, high: false));
        if (c.Is32Bit)
        {
            Test(leftLow, relation, rightLow, t, f);
            return;
        }
        var (leftHigh, rightHigh) = (HalfOf(c.Left, high: true), HalfOf(c.Right, high: true));
        if (leftHigh.IsConstant && rightHigh.IsConstant)
        {
            // The high halves are known: they decide, or they are equal and the low halves decide.
            if (leftHigh.Value == rightHigh.Value) Test(leftLow, relation, rightLow, t, f);
            else if (relation != Relation.Equal && leftHigh.Value > rightHigh.Value) asm.GoTo(t);
            else asm.GoTo(f);
            return;
        }
        int low = asm.NewLabel();
        if (relation != Relation.Equal)
        {
            int notAbove = asm.NewLabel();
            Test(leftHigh, Relation.Greater, rightHigh, t, notAbove);
            asm.Place(notAbove);
        }
        Test(leftHigh, Relation.Equal, rightHigh, low, f);
        asm.Place(low);
        Test(leftLow, relation, rightLow, t, f);
    }

    /// <summary>left relation right, on one half; a constant left side is swapped to the right.</summary>
    private void Test(Half left, Relation relation, Half right, int whenTrue, int whenFalse)
    {
        if (left.IsConstant && right.IsConstant)
        {
            bool holds = relation switch
            {
                Relation.Equal => left.Value == right.Value,
                Relation.Greater => left.Value > right.Value,
                _ => left.Value >= right.Value,
            };
            asm.GoTo(holds ? whenTrue : whenFalse);
            return;
        }
        if (left.IsConstant)
        {
            // c == v is v == c; c > v is !(v >= c); c >= v is !(v > c).
            switch (relation)
            {
                case Relation.Equal: Test(right, Relation.Equal, left, whenTrue, whenFalse); break;
                case Relation.Greater: Test(right, Relation.GreaterOrEqual, left, whenFalse, whenTrue); break;
                default: Test(right, Relation.Greater, left, whenFalse, whenTrue); break;
            }
            return;
        }
        ushort op = relation switch { Relation.Equal => BpfOp.Jeq, Relation.Greater => BpfOp.Jgt, _ => BpfOp.Jge };
        if (right.IsConstant)
        {
            Load(left);
            asm.Jump((ushort)(BpfOp.Jmp | op | BpfOp.K), right.Value, whenTrue, whenFalse);
            return;
        }
        Load(right);
        asm.Statement(BpfOp.Misc | BpfOp.Tax, 0);
        Load(left);
        asm.Jump((ushort)(BpfOp.Jmp | op | BpfOp.X), 0, whenTrue, whenFalse);
    }

    private void Load(Half half)
    {
        asm.Statement(BpfOp.LdAbsW, (uint)half.Offset);
        if (half.And != uint.MaxValue) asm.Statement(BpfOp.AndK, half.And);
        if (half.Or != 0) asm.Statement(BpfOp.OrK, half.Or);
    }

    private static Half HalfOf(Operand operand, bool high)
    {
        int shift = high ? 32 : 0;
        uint and = (uint)(operand.And >> shift), or = (uint)(operand.Or >> shift);
        if (operand.Argument is not int argument || and == 0) return new Half(true, or, 0, 0, 0);
        int offset = high ? SeccompData.ArgHighOffset(argument) : SeccompData.ArgLowOffset(argument);
        return new Half(false, 0, offset, and, or);
    }
}
