using NsSandbox.Policy.Bpf;

namespace NsSandbox.Policy.Codegen;

/// <summary>Where a jump goes: an instruction already emitted, or a return of an action, which is placed (or
/// shared with an earlier jump) when the jump is emitted.</summary>
public readonly record struct Target(int Index, uint? Return)
{
    public static Target Of(int index) => new(index, null);

    public static Target Returning(uint value) => new(-1, value);
}

/// <summary>Builds a program from its end to its start, so every jump's targets exist when it is emitted and
/// their distances are known. A return is shared by every jump within reach of it (255 instructions) and
/// emitted again only when the last copy is out of reach; any other far target gets a JA (32-bit offset).
/// Emitted positions are indexes counted from the end of the program.</summary>
public sealed class ReverseAssembler
{
    private const int Reach = byte.MaxValue;

    private readonly List<BpfInstruction> _reversed = [];
    private readonly Dictionary<uint, int> _returns = [];

    public int Count => _reversed.Count;

    /// <summary>Emits one instruction before everything emitted so far.</summary>
    public int Add(BpfInstruction instruction)
    {
        _reversed.Add(instruction);
        return _reversed.Count - 1;
    }

    /// <summary>Emits a straight-line sequence (given in program order) before everything emitted so far; returns
    /// the index of its first instruction.</summary>
    public int AddSequence(IReadOnlyList<BpfInstruction> sequence)
    {
        for (int i = sequence.Count - 1; i >= 0; i--) Add(sequence[i]);
        return Count - 1;
    }

    public bool IsConditionalJump(int index) =>
        BpfOp.Class(_reversed[index].Code) == BpfOp.Jmp && _reversed[index].Code != BpfOp.JmpJa;

    /// <summary>A conditional jump; if both branches go to the same place, no jump at all.</summary>
    public Target Jump(ushort code, uint k, Target whenTrue, Target whenFalse)
    {
        if (whenTrue == whenFalse) return whenTrue;
        int t = Resolve(whenTrue), f = Resolve(whenFalse);
        // What the false side emitted may have put the true side out of reach: resolve it again.
        t = whenTrue.Return is null ? Resolve(Target.Of(t)) : Resolve(whenTrue);
        if (t == f) return Target.Of(t);
        return Target.Of(Add(BpfOp.Jump(code, k, checked((byte)(Count - t - 1)), checked((byte)(Count - f - 1)))));
    }

    /// <summary>The index a jump emitted next can reach for <paramref name="target"/>, emitting a return or a JA
    /// if needed.</summary>
    public int Resolve(Target target)
    {
        if (target.Return is uint value)
        {
            if (_returns.TryGetValue(value, out int index) && Count - index - 1 <= Reach) return index;
            return _returns[value] = Add(BpfOp.Stmt(BpfOp.RetK, value));
        }
        if (Count - target.Index - 1 <= Reach) return target.Index;
        return Add(BpfOp.Stmt(BpfOp.JmpJa, (uint)(Count - target.Index - 1)));
    }

    /// <summary>The program in execution order, starting at <paramref name="entry"/> (resolved to an instruction).</summary>
    public IReadOnlyList<BpfInstruction> Program(Target entry)
    {
        int start = entry.Return is uint value ? Add(BpfOp.Stmt(BpfOp.RetK, value)) : entry.Index;
        if (start != Count - 1) Add(BpfOp.Stmt(BpfOp.JmpJa, (uint)(Count - start - 1)));
        var program = new List<BpfInstruction>(_reversed);
        program.Reverse();
        return program;
    }
}
