using NsSandbox.Policy.Bpf;
using NsSandbox.Policy.Semantics;
using NsSandbox.Policy.Syntax;

namespace NsSandbox.Policy.Codegen;

/// <summary>One 32-bit half of an operand: a known constant, an argument word, or '&amp;' or '|' over words that are
/// not constants, with the constants folded into one mask.</summary>
public abstract record Word
{
    public sealed record Constant(uint Value) : Word;

    public sealed record Argument(int Offset) : Word;

    public sealed record Bits(BitOperator Operator, IReadOnlyList<Word> Words, uint? Mask) : Word;
}

/// <summary>Splits operands into words and writes the straight-line code that computes a word in A: an
/// argument word is one load, '&amp;' and '|' combine through X, and a word that must wait while another is
/// computed goes to scratch memory (the kernel gives a filter 16 words; a comparison that needs more is an
/// error at its position).</summary>
public sealed class OperandWords(SourceLocation at)
{
    private readonly List<BpfInstruction> _code = [];
    public static Word Of(Operand operand, bool high) => operand switch
    {
        ConstantOperand c => new Word.Constant((uint)(high ? c.Value >> 32 : c.Value)),
        ArgumentOperand { Is32Bit: true } when high => new Word.Constant(0),
        ArgumentOperand a => new Word.Argument(high ? SeccompData.ArgHighOffset(a.Index) : SeccompData.ArgLowOffset(a.Index)),
        BitOperand b => Fold(b.Operator, b.Operands.Select(o => Of(o, high))),
        _ => throw new ArgumentOutOfRangeException(nameof(operand)),
    };

    private static Word Fold(BitOperator op, IEnumerable<Word> words)
    {
        uint neutral = op == BitOperator.And ? uint.MaxValue : 0, mask = neutral;
        var kept = new List<Word>();
        foreach (var word in words)
        {
            if (word is Word.Constant c) mask = op == BitOperator.And ? mask & c.Value : mask | c.Value;
            else kept.Add(word);
        }
        if (mask == ~neutral || kept.Count == 0) return new Word.Constant(mask);
        if (kept.Count == 1 && mask == neutral) return kept[0];
        // Computed words first: each needs scratch memory only while nothing else is held.
        kept.Sort((a, b) => (b is Word.Bits).CompareTo(a is Word.Bits));
        return new Word.Bits(op, kept, mask == neutral ? null : mask);
    }

    /// <summary>The code that computes a word (not a constant) in A.</summary>
    public IReadOnlyList<BpfInstruction> Load(Word word)
    {
        _code.Clear();
        Load(word, 0);
        return [.. _code];
    }

    /// <summary>The code that leaves A = left and X = right, for a comparison of two computed words.</summary>
    public IReadOnlyList<BpfInstruction> LoadPair(Word left, Word right)
    {
        _code.Clear();
        Load(right, 0);
        Hold(left, 0);
        return [.. _code];
    }

    private void Statement(ushort code, uint k) => _code.Add(BpfOp.Stmt(code, k));

    /// <summary>Computes a word in A, using scratch words from <paramref name="slot"/> up.</summary>
    private void Load(Word word, int slot)
    {
        switch (word)
        {
            case Word.Argument a:
                Statement(BpfOp.LdAbsW, (uint)a.Offset);
                break;
            case Word.Bits b:
                ushort alu = b.Operator == BitOperator.And ? BpfOp.And : BpfOp.Or;
                Load(b.Words[0], slot);
                foreach (var next in b.Words.Skip(1))
                {
                    Hold(next, slot);
                    Statement((ushort)(BpfOp.Alu | alu | BpfOp.X), 0);
                }
                if (b.Mask is uint mask) Statement((ushort)(BpfOp.Alu | alu | BpfOp.K), mask);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(word));
        }
    }

    /// <summary>With a value in A: computes <paramref name="word"/> in A and moves the value to X.</summary>
    private void Hold(Word word, int slot)
    {
        if (word is Word.Argument a)
        {
            Statement(BpfOp.Misc | BpfOp.Tax, 0);
            Statement(BpfOp.LdAbsW, (uint)a.Offset);
            return;
        }
        if (slot >= BpfValidator.MemoryWords)
            throw new PolicyException(at, $"this comparison needs more than {BpfValidator.MemoryWords} words of the filter's scratch memory: split its operands");
        Statement(BpfOp.St, (uint)slot);
        Load(word, slot + 1);
        Statement(BpfOp.LdxMem, (uint)slot);
    }
}
