using NsSandbox.Policy.Bpf;
using NsSandbox.Policy.Semantics;
using NsSandbox.Policy.Syntax;

namespace NsSandbox.Policy.Codegen;

/// <summary>Compiles a simplified condition to short-circuit jumps to a true and a false label. A 64-bit
/// comparison becomes tests of the high and low 32-bit halves, since classic BPF registers are 32 bits; an
/// operand that combines arguments is computed in A with X and the scratch memory.</summary>
public sealed class ConditionEmitter(Assembler asm)
{
    private enum Relation { Equal, Greater, GreaterOrEqual }

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
        var words = new OperandWords(asm, c.Location);
        var (leftLow, rightLow) = (OperandWords.Of(c.Left, high: false), OperandWords.Of(c.Right, high: false));
        if (c.Is32Bit)
        {
            Test(words, leftLow, relation, rightLow, t, f, loaded: false);
            return;
        }
        var (leftHigh, rightHigh) = (OperandWords.Of(c.Left, high: true), OperandWords.Of(c.Right, high: true));
        if (leftHigh is Word.Constant lh && rightHigh is Word.Constant rh)
        {
            // The high halves are known: they decide, or they are equal and the low halves decide.
            if (lh.Value == rh.Value) Test(words, leftLow, relation, rightLow, t, f, loaded: false);
            else if (relation != Relation.Equal && lh.Value > rh.Value) asm.GoTo(t);
            else asm.GoTo(f);
            return;
        }
        int low = asm.NewLabel();
        bool loaded = false;
        if (relation != Relation.Equal)
        {
            int notAbove = asm.NewLabel();
            Test(words, leftHigh, Relation.Greater, rightHigh, t, notAbove, loaded: false);
            asm.Place(notAbove);
            loaded = true; // A and X still hold the high halves
        }
        Test(words, leftHigh, Relation.Equal, rightHigh, low, f, loaded);
        asm.Place(low);
        Test(words, leftLow, relation, rightLow, t, f, loaded: false);
    }

    /// <summary>left relation right, on one half; a constant left side is swapped to the right. With
    /// <paramref name="loaded"/> the registers already hold what this test compares.</summary>
    private void Test(OperandWords words, Word left, Relation relation, Word right, int whenTrue, int whenFalse, bool loaded)
    {
        if (left is Word.Constant lc && right is Word.Constant rc)
        {
            bool holds = relation switch
            {
                Relation.Equal => lc.Value == rc.Value,
                Relation.Greater => lc.Value > rc.Value,
                _ => lc.Value >= rc.Value,
            };
            asm.GoTo(holds ? whenTrue : whenFalse);
            return;
        }
        if (left is Word.Constant)
        {
            // c == v is v == c; c > v is !(v >= c); c >= v is !(v > c).
            switch (relation)
            {
                case Relation.Equal: Test(words, right, Relation.Equal, left, whenTrue, whenFalse, loaded); break;
                case Relation.Greater: Test(words, right, Relation.GreaterOrEqual, left, whenFalse, whenTrue, loaded); break;
                default: Test(words, right, Relation.Greater, left, whenFalse, whenTrue, loaded); break;
            }
            return;
        }
        ushort op = relation switch { Relation.Equal => BpfOp.Jeq, Relation.Greater => BpfOp.Jgt, _ => BpfOp.Jge };
        if (right is Word.Constant k)
        {
            // (x & m) == 0 and (x & m) > 0 are one jset on m.
            if (k.Value == 0 && relation != Relation.GreaterOrEqual && left is Word.Bits { Operator: BitOperator.And, Mask: uint m } bits)
            {
                if (!loaded) words.Load(bits with { Mask = null }, 0);
                if (relation == Relation.Equal) asm.Jump(BpfOp.JsetK, m, whenFalse, whenTrue);
                else asm.Jump(BpfOp.JsetK, m, whenTrue, whenFalse);
                return;
            }
            if (!loaded) words.Load(left, 0);
            asm.Jump((ushort)(BpfOp.Jmp | op | BpfOp.K), k.Value, whenTrue, whenFalse);
            return;
        }
        if (!loaded) words.LoadPair(left, right);
        asm.Jump((ushort)(BpfOp.Jmp | op | BpfOp.X), 0, whenTrue, whenFalse);
    }
}
