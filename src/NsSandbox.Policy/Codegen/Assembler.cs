using NsSandbox.Policy.Bpf;

namespace NsSandbox.Policy.Codegen;

/// <summary>Collects BPF with symbolic forward labels, then lays it out: jumps to the next instruction vanish,
/// and a conditional jump farther than 255 instructions (its 8-bit offset) goes through a trampoline placed
/// right after it: a copy of the target when that is a return, else an unconditional JA (32-bit offset).</summary>
public sealed class Assembler
{
    private abstract record Item;
    private sealed record LabelItem(int Id) : Item;
    private sealed record Plain(BpfInstruction Instruction) : Item;
    private sealed record Conditional(ushort Code, uint K, int True, int False) : Item;
    private sealed record Goto(int Target) : Item;

    private List<Item> _items = [];
    private int _labels;

    public int NewLabel() => _labels++;

    public void Place(int label) => _items.Add(new LabelItem(label));

    public void Emit(BpfInstruction instruction) => _items.Add(new Plain(instruction));

    public void Statement(ushort code, uint k) => Emit(BpfOp.Stmt(code, k));

    public void Return(uint value) => Statement(BpfOp.RetK, value);

    public void Jump(ushort code, uint k, int whenTrue, int whenFalse) => _items.Add(new Conditional(code, k, whenTrue, whenFalse));

    public void GoTo(int label) => _items.Add(new Goto(label));

    /// <summary>Instructions emitted so far, before layout adds trampolines.</summary>
    public int Count => _items.Count(i => i is not LabelItem);

    public IReadOnlyList<BpfInstruction> Assemble()
    {
        DropJumpsToNext();
        while (AddTrampolines()) { }
        var at = Positions(_items);
        var program = new List<BpfInstruction>();
        foreach (var item in _items)
        {
            int pc = program.Count;
            switch (item)
            {
                case Plain p: program.Add(p.Instruction); break;
                case Goto g: program.Add(BpfOp.Stmt(BpfOp.JmpJa, (uint)Offset(at, pc, g.Target))); break;
                case Conditional c:
                    program.Add(BpfOp.Jump(c.Code, c.K, checked((byte)Offset(at, pc, c.True)), checked((byte)Offset(at, pc, c.False))));
                    break;
            }
        }
        return program;
    }

    private static int Offset(Dictionary<int, int> at, int pc, int label)
    {
        int offset = at[label] - pc - 1;
        if (offset < 0) throw new InvalidOperationException($"backward jump at {pc}: the code generator must only jump forward");
        return offset;
    }

    private static Dictionary<int, int> Positions(List<Item> items)
    {
        var at = new Dictionary<int, int>();
        int pc = 0;
        foreach (var item in items)
        {
            if (item is LabelItem l) at[l.Id] = pc;
            else pc++;
        }
        return at;
    }

    private void DropJumpsToNext()
    {
        var kept = new List<Item>(_items.Count);
        for (int i = 0; i < _items.Count; i++)
        {
            if (_items[i] is Goto g && LabelFollows(i + 1, g.Target)) continue;
            kept.Add(_items[i]);
        }
        _items = kept;
    }

    /// <summary>Whether only labels lie between index and the label's position.</summary>
    private bool LabelFollows(int index, int label)
    {
        for (int i = index; i < _items.Count && _items[i] is LabelItem l; i++)
            if (l.Id == label) return true;
        return false;
    }

    private bool AddTrampolines()
    {
        var at = Positions(_items);
        var targets = InstructionsAtLabels();
        var result = new List<Item>(_items.Count);
        bool changed = false;
        int pc = 0;
        foreach (var item in _items)
        {
            if (item is not Conditional c)
            {
                result.Add(item);
                if (item is not LabelItem) pc++;
                continue;
            }
            var trampolines = new List<Item>();
            int whenTrue = Near(c.True), whenFalse = Near(c.False);
            result.Add(c with { True = whenTrue, False = whenFalse });
            result.AddRange(trampolines);
            pc++;
            continue;

            int Near(int label)
            {
                if (at[label] - pc - 1 <= byte.MaxValue) return label;
                changed = true;
                int hop = NewLabel();
                trampolines.Add(new LabelItem(hop));
                trampolines.Add(targets[label] is Plain { Instruction.Code: BpfOp.RetK } ret ? ret : new Goto(label));
                return hop;
            }
        }
        _items = result;
        return changed;
    }

    private Dictionary<int, Item> InstructionsAtLabels()
    {
        var map = new Dictionary<int, Item>();
        var pending = new List<int>();
        foreach (var item in _items)
        {
            if (item is LabelItem l) { pending.Add(l.Id); continue; }
            foreach (int id in pending) map[id] = item;
            pending.Clear();
        }
        return map;
    }
}
