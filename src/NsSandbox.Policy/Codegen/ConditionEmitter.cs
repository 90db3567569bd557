using NsSandbox.Policy.Bpf;
using NsSandbox.Policy.Semantics;
using NsSandbox.Policy.Syntax;

namespace NsSandbox.Policy.Codegen;

/// <summary>Compiles a simplified condition, backwards, to short-circuit jumps to a true and a false target; returns
/// where its code starts. A 64-bit comparison becomes tests of the high and low 32-bit halves, since classic BPF
/// registers are 32 bits; an operand that combines arguments is computed in A with X and the scratch memory.</summary>
public sealed class ConditionEmitter(ReverseAssembler asm)
{
    private enum Relation { Equal, Greater, GreaterOrEqual }

    public Target Emit(Condition condition, Target whenTrue, Target whenFalse)
    {
        switch (condition)
        {
            case ConstantCondition c:
                return c.Value ? whenTrue : whenFalse;
            case NotCondition n:
                return Emit(n.Operand, whenFalse, whenTrue);
            case LogicalCondition l:
                var entry = Emit(l.Operands[^1], whenTrue, whenFalse);
                for (int i = l.Operands.Count - 2; i >= 0; i--)
                    entry = l.Operator == LogicalOperator.And ? Emit(l.Operands[i], entry, whenFalse) : Emit(l.Operands[i], whenTrue, entry);
                return entry;
            case Comparison c:
                return EmitComparison(c, whenTrue, whenFalse);
            default:
                throw new ArgumentOutOfRangeException(nameof(condition));
        }
    }

    private Target EmitComparison(Comparison c, Target whenTrue, Target whenFalse)
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
        var words = new OperandWords(c.Location);
        var (leftLow, rightLow) = (OperandWords.Of(c.Left, high: false), OperandWords.Of(c.Right, high: false));
        if (c.Is32Bit) return Test(words, leftLow, relation, rightLow, t, f, loaded: false);
        var (leftHigh, rightHigh) = (OperandWords.Of(c.Left, high: true), OperandWords.Of(c.Right, high: true));
        if (leftHigh is Word.Constant lh && rightHigh is Word.Constant rh)
        {
            // The high halves are known: they decide, or they are equal and the low halves decide.
            if (lh.Value == rh.Value) return Test(words, leftLow, relation, rightLow, t, f, loaded: false);
            return relation != Relation.Equal && lh.Value > rh.Value ? t : f;
        }
        var low = Test(words, leftLow, relation, rightLow, t, f, loaded: false);
        if (relation == Relation.Equal) return Test(words, leftHigh, Relation.Equal, rightHigh, low, f, loaded: false);
        // hi(l) > hi(r), or equal high halves and the low halves decide; the second test reuses the first's A and X.
        var equalHigh = Test(words, leftHigh, Relation.Equal, rightHigh, low, f, loaded: true);
        return Test(words, leftHigh, Relation.Greater, rightHigh, t, equalHigh, loaded: false);
    }

    /// <summary>left relation right, on one half; a constant left side is swapped to the right. With
    /// <paramref name="loaded"/> the registers already hold what this test compares, so no load precedes it.</summary>
    private Target Test(OperandWords words, Word left, Relation relation, Word right, Target whenTrue, Target whenFalse, bool loaded)
    {
        if (left is Word.Constant lc && right is Word.Constant rc)
        {
            bool holds = relation switch
            {
                Relation.Equal => lc.Value == rc.Value,
                Relation.Greater => lc.Value > rc.Value,
                _ => lc.Value >= rc.Value,
            };
            return holds ? whenTrue : whenFalse;
        }
        if (left is Word.Constant)
        {
            // c == v is v == c; c > v is !(v >= c); c >= v is !(v > c).
            return relation switch
            {
                Relation.Equal => Test(words, right, Relation.Equal, left, whenTrue, whenFalse, loaded),
                Relation.Greater => Test(words, right, Relation.GreaterOrEqual, left, whenFalse, whenTrue, loaded),
                _ => Test(words, right, Relation.Greater, left, whenFalse, whenTrue, loaded),
            };
        }
        ushort op = relation switch { Relation.Equal => BpfOp.Jeq, Relation.Greater => BpfOp.Jgt, _ => BpfOp.Jge };
        if (right is Word.Constant k)
        {
            // (x & m) == 0 and (x & m) > 0 are one jset on m.
            if (k.Value == 0 && relation != Relation.GreaterOrEqual && left is Word.Bits { Operator: BitOperator.And, Mask: uint m } bits)
            {
                var jset = relation == Relation.Equal
                    ? asm.Jump(BpfOp.JsetK, m, whenFalse, whenTrue)
                    : asm.Jump(BpfOp.JsetK, m, whenTrue, whenFalse);
                return Loaded(jset, loaded, () => words.Load(bits with { Mask = null }));
            }
            return Loaded(asm.Jump((ushort)(BpfOp.Jmp | op | BpfOp.K), k.Value, whenTrue, whenFalse), loaded, () => words.Load(left));
        }
        return Loaded(asm.Jump((ushort)(BpfOp.Jmp | op | BpfOp.X), 0, whenTrue, whenFalse), loaded, () => words.LoadPair(left, right));
    }

    /// <summary>Puts the loads before a jump just emitted; a jump that was not needed (both ways alike) needs none.</summary>
    private Target Loaded(Target jump, bool loaded, Func<IReadOnlyList<BpfInstruction>> load)
    {
        bool emitted = jump.Return is null && jump.Index == asm.Count - 1 && asm.IsConditionalJump(jump.Index);
        return loaded || !emitted ? jump : Target.Of(asm.AddSequence(load()));
    }
}
