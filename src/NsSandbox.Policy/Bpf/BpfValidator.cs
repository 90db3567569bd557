using static NsSandbox.Policy.Bpf.BpfOp;

namespace NsSandbox.Policy.Bpf;

/// <summary>
/// The checks the kernel applies when a seccomp filter is loaded: bpf_check_classic (net/core/filter.c) and
/// then seccomp_check_filter (kernel/seccomp.c). A program that passes here is one the kernel accepts.
/// </summary>
internal static class BpfValidator
{
    public const int MaxInstructions = 4096; // BPF_MAXINSNS
    public const int MemoryWords = 16;       // BPF_MEMWORDS

    public static void Validate(IReadOnlyList<BpfInstruction> program)
    {
        if (program.Count == 0) throw new BpfValidationException(0, "the program is empty");
        if (program.Count > MaxInstructions)
        {
            throw new BpfValidationException(MaxInstructions,
                $"the program has {program.Count} instructions, over the kernel's limit of {MaxInstructions}");
        }
        for (var pc = 0; pc < program.Count; pc++) CheckInstruction(program, pc);
        if (Class(program[^1].Code) != Ret)
        {
            throw new BpfValidationException(program.Count - 1, "the last instruction must be a return");
        }
        CheckMemoryInitialized(program);
    }

    private static void CheckInstruction(IReadOnlyList<BpfInstruction> program, int pc)
    {
        var insn = program[pc];
        var remaining = program.Count - pc - 1;
        void Fail(string reason) => throw new BpfValidationException(pc, reason);

        switch (insn.Code)
        {
            case LdAbsW:
                if (insn.K >= SeccompData.Size || insn.K % 4 != 0)
                {
                    Fail($"load offset {insn.K} is not a 4-aligned offset inside seccomp_data (0..60)");
                }
                break;
            case Ld | W | Len or Ldx | W | Len or LdImm or LdxImm or Misc | Tax or Misc | Txa or RetK or RetA
                or Alu | Neg:
                break;
            case LdMem or LdxMem or St or Stx:
                if (insn.K >= MemoryWords) Fail($"scratch memory slot {insn.K} is out of range (0..15)");
                break;
            case Alu | Div | K:
                if (insn.K == 0) Fail("division by the constant zero");
                break;
            case Alu | Lsh | K or Alu | Rsh | K:
                if (insn.K >= 32) Fail($"shift by {insn.K}, 32 or more");
                break;
            case Alu | Add | K or Alu | Sub | K or Alu | Mul | K or Alu | And | K or Alu | Or | K or Alu | Xor | K
                or Alu | Add | X or Alu | Sub | X or Alu | Mul | X or Alu | Div | X or Alu | And | X
                or Alu | Or | X or Alu | Xor | X or Alu | Lsh | X or Alu | Rsh | X:
                break;
            case JmpJa:
                if (insn.K >= (uint)remaining) Fail($"jump to {TargetText(pc, insn.K)} is past the end");
                break;
            case JeqK or JgtK or JgeK or JsetK or JeqX or JgtX or JgeX or JsetX:
                if (insn.Jt >= remaining) Fail($"true branch to {TargetText(pc, insn.Jt)} is past the end");
                if (insn.Jf >= remaining) Fail($"false branch to {TargetText(pc, insn.Jf)} is past the end");
                break;
            default:
                Fail($"opcode 0x{insn.Code:x2} is not allowed in a seccomp filter");
                break;
        }
    }

    private static string TargetText(int pc, uint offset) => $"instruction {(ulong)pc + 1 + offset}";

    // check_load_and_stores: a scratch slot must be written on every path before it is read. Jumps only go
    // forward, so one pass in order sees every predecessor of an instruction before the instruction.
    private static void CheckMemoryInitialized(IReadOnlyList<BpfInstruction> program)
    {
        var masks = new ushort[program.Count];
        Array.Fill(masks, ushort.MaxValue);
        ushort valid = 0;
        for (var pc = 0; pc < program.Count; pc++)
        {
            var insn = program[pc];
            valid &= masks[pc];
            switch (insn.Code)
            {
                case St or Stx:
                    valid |= (ushort)(1 << (int)insn.K);
                    break;
                case LdMem or LdxMem:
                    if ((valid & (1 << (int)insn.K)) == 0)
                    {
                        throw new BpfValidationException(pc, $"scratch memory slot {insn.K} is read before it is written");
                    }
                    break;
                case JmpJa:
                    masks[pc + 1 + (int)insn.K] &= valid;
                    valid = ushort.MaxValue;
                    break;
                case JeqK or JgtK or JgeK or JsetK or JeqX or JgtX or JgeX or JsetX:
                    masks[pc + 1 + insn.Jt] &= valid;
                    masks[pc + 1 + insn.Jf] &= valid;
                    valid = ushort.MaxValue;
                    break;
            }
        }
    }
}
