using static NsSandbox.Policy.Bpf.BpfOp;

namespace NsSandbox.Policy.Bpf;

/// <summary>
/// Runs a seccomp filter the way the kernel does, to test compiled policies without loading them.
/// </summary>
public static class BpfInterpreter
{
    /// <summary>Throws BpfValidationException, naming the instruction, for anything the kernel would refuse.</summary>
    public static void Validate(IReadOnlyList<BpfInstruction> program) => BpfValidator.Validate(program);

    /// <summary>Validates the program, runs it on one seccomp_data and returns the filter's 32-bit result.</summary>
    public static uint Run(IReadOnlyList<BpfInstruction> program, SeccompInput input)
    {
        Validate(program);
        return RunValidated(program, input, out _);
    }

    /// <summary>Runs a program already validated (as every compiled policy is), so many runs pay for one
    /// validation; <paramref name="executed"/> counts the instructions run, the filter's cost for that call.</summary>
    public static uint RunValidated(IReadOnlyList<BpfInstruction> program, SeccompInput input, out int executed)
    {
        executed = 0;
        uint a = 0, x = 0; // the kernel clears both registers before the first instruction
        var memory = new uint[BpfValidator.MemoryWords];
        var pc = 0;
        while (true)
        {
            var insn = program[pc++];
            executed++;
            switch (Class(insn.Code))
            {
                case Ld:
                    a = Load(insn, input, memory);
                    break;
                case Ldx:
                    x = Load(insn, input, memory);
                    break;
                case St:
                    memory[insn.K] = a;
                    break;
                case Stx:
                    memory[insn.K] = x;
                    break;
                case Alu:
                    var operand = Src(insn.Code) == X ? x : insn.K;
                    // The kernel's conversion of classic BPF makes a division by a zero X return 0 from the filter.
                    if (Op(insn.Code) == Div && operand == 0) return 0;
                    a = Alu32(Op(insn.Code), a, operand);
                    break;
                case Jmp:
                    pc += Jump(insn, a, x);
                    break;
                case Ret:
                    return RetSrc(insn.Code) == A ? a : insn.K;
                case Misc:
                    if (MiscOp(insn.Code) == Txa) a = x;
                    else x = a;
                    break;
            }
        }
    }

    private static uint Load(BpfInstruction insn, SeccompInput input, uint[] memory) => Mode(insn.Code) switch
    {
        Abs => input.Word(insn.K),
        Imm => insn.K,
        Mem => memory[insn.K],
        Len => SeccompData.Size,
        _ => throw new InvalidOperationException($"unvalidated load 0x{insn.Code:x2}"),
    };

    private static uint Alu32(int op, uint a, uint operand) => op switch
    {
        Add => unchecked(a + operand),
        Sub => unchecked(a - operand),
        Mul => unchecked(a * operand),
        Div => a / operand,
        Or => a | operand,
        And => a & operand,
        Xor => a ^ operand,
        // Shifts by X use its low five bits, as the kernel's BPF interpreter and JITs do.
        Lsh => a << (int)(operand & 31),
        Rsh => a >> (int)(operand & 31),
        Neg => unchecked(0 - a),
        _ => throw new InvalidOperationException($"unvalidated ALU operation 0x{op:x2}"),
    };

    // Returns how many instructions to skip after the jump.
    private static int Jump(BpfInstruction insn, uint a, uint x)
    {
        if (Op(insn.Code) == Ja) return (int)insn.K;
        var operand = Src(insn.Code) == X ? x : insn.K;
        var taken = Op(insn.Code) switch
        {
            Jeq => a == operand,
            Jgt => a > operand,
            Jge => a >= operand,
            Jset => (a & operand) != 0,
            _ => throw new InvalidOperationException($"unvalidated jump 0x{insn.Code:x2}"),
        };
        return taken ? insn.Jt : insn.Jf;
    }
}
