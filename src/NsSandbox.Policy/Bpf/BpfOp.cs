namespace NsSandbox.Policy.Bpf;

/// <summary>Classic BPF opcode fields (include/uapi/linux/filter.h, bpf_common.h) and the combinations seccomp uses.</summary>
public static class BpfOp
{
    // Instruction classes.
    public const ushort Ld = 0x00, Ldx = 0x01, St = 0x02, Stx = 0x03, Alu = 0x04, Jmp = 0x05, Ret = 0x06, Misc = 0x07;
    // Load sizes and modes.
    public const ushort W = 0x00, H = 0x08, B = 0x10;
    public const ushort Imm = 0x00, Abs = 0x20, Ind = 0x40, Mem = 0x60, Len = 0x80, Msh = 0xa0;
    // ALU operations.
    public const ushort Add = 0x00, Sub = 0x10, Mul = 0x20, Div = 0x30, Or = 0x40, And = 0x50, Lsh = 0x60,
        Rsh = 0x70, Neg = 0x80, Mod = 0x90, Xor = 0xa0;
    // Jump operations.
    public const ushort Ja = 0x00, Jeq = 0x10, Jgt = 0x20, Jge = 0x30, Jset = 0x40;
    // Operand source: the constant K or the register X; for RET also the accumulator A.
    public const ushort K = 0x00, X = 0x08, A = 0x10;
    // MISC operations.
    public const ushort Tax = 0x00, Txa = 0x80;

    // The combinations the seccomp compiler emits.
    public const ushort LdAbsW = Ld | W | Abs;
    public const ushort LdImm = Ld | Imm;
    public const ushort LdxImm = Ldx | Imm;
    public const ushort LdMem = Ld | Mem;
    public const ushort LdxMem = Ldx | Mem;
    public const ushort JmpJa = Jmp | Ja;
    public const ushort JeqK = Jmp | Jeq | K, JgtK = Jmp | Jgt | K, JgeK = Jmp | Jge | K, JsetK = Jmp | Jset | K;
    public const ushort JeqX = Jmp | Jeq | X, JgtX = Jmp | Jgt | X, JgeX = Jmp | Jge | X, JsetX = Jmp | Jset | X;
    public const ushort AndK = Alu | And | K, OrK = Alu | Or | K;
    public const ushort RetK = Ret | K, RetA = Ret | A;

    public static int Class(ushort code) => code & 0x07;
    public static int Size(ushort code) => code & 0x18;
    public static int Mode(ushort code) => code & 0xe0;
    public static int Op(ushort code) => code & 0xf0;
    public static int Src(ushort code) => code & 0x08;
    public static int RetSrc(ushort code) => code & 0x18;
    public static int MiscOp(ushort code) => code & 0xf8;

    /// <summary>A non-jump instruction (BPF_STMT).</summary>
    public static BpfInstruction Stmt(ushort code, uint k) => new(code, 0, 0, k);

    /// <summary>A jump (BPF_JUMP): jt and jf are relative to the next instruction.</summary>
    public static BpfInstruction Jump(ushort code, uint k, byte jt, byte jf) => new(code, jt, jf, k);
}
