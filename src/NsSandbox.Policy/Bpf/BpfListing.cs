using System.Globalization;
using System.Text;
using NsSandbox.Policy.Syscalls;
using static NsSandbox.Policy.Bpf.BpfOp;

namespace NsSandbox.Policy.Bpf;

/// <summary>
/// A readable listing of a filter, one line per instruction: index, mnemonic, operand, jump targets as absolute
/// indexes, and a comment naming the seccomp_data field loaded, the syscall or architecture compared (when the
/// target architecture is given) and the decoded return action. It never throws, so it can show broken programs.
/// </summary>
public static class BpfListing
{
    public static string Format(IReadOnlyList<BpfInstruction> p, Arch? arch = null)
    {
        var table = arch is { } a ? SyscallTable.For(a) : null;
        var loadedFrom = AccumulatorSources(p);
        var width = Math.Max(1, (p.Count - 1).ToString(CultureInfo.InvariantCulture).Length);
        var text = new StringBuilder();
        for (var i = 0; i < p.Count; i++)
        {
            var (mnemonic, operand, jumps) = Decode(p[i], i);
            var comment = Comment(p[i], loadedFrom[i], table);
            var line = $"{i.ToString(CultureInfo.InvariantCulture).PadLeft(width)}: {mnemonic,-4} {operand,-14}{jumps,-16}";
            line = comment is null ? line.TrimEnd() : $"{line}; {comment}";
            text.Append(line).Append('\n');
        }
        return text.ToString();
    }

    private static (string Mnemonic, string Operand, string Jumps) Decode(BpfInstruction insn, int index)
    {
        var code = insn.Code;
        string Target(uint offset) => ((long)index + 1 + offset).ToString(CultureInfo.InvariantCulture);
        string Source() => Src(code) == X ? "x" : Number(insn.K);
        switch (Class(code))
        {
            case Ld or Ldx when Size(code) == W || Mode(code) is Imm or Mem:
                var name = Class(code) == Ld ? "ld" : "ldx";
                var loaded = Mode(code) switch
                {
                    Abs => $"[{insn.K}]",
                    Imm => Number(insn.K),
                    Mem => $"M[{insn.K}]",
                    Len => "#len",
                    _ => null,
                };
                if (loaded is not null) return (name, loaded, "");
                break;
            case St:
                return ("st", $"M[{insn.K}]", "");
            case Stx:
                return ("stx", $"M[{insn.K}]", "");
            case Alu:
                var alu = AluName(Op(code));
                if (alu is not null) return Op(code) == Neg ? (alu, "", "") : (alu, Source(), "");
                break;
            case Jmp when Op(code) == Ja:
                return ("ja", "", $"goto {Target(insn.K)}");
            case Jmp:
                var jump = Op(code) switch { Jeq => "jeq", Jgt => "jgt", Jge => "jge", Jset => "jset", _ => null };
                if (jump is not null) return (jump, Source(), $"jt {Target(insn.Jt),-5}jf {Target(insn.Jf)}");
                break;
            case Ret when RetSrc(code) is K or A:
                return ("ret", RetSrc(code) == A ? "a" : Number(insn.K), "");
            case Misc when code == (Misc | Tax):
                return ("tax", "", "");
            case Misc when code == (Misc | Txa):
                return ("txa", "", "");
        }
        return (".insn", $"0x{code:x4} {insn.Jt} {insn.Jf} 0x{insn.K:x8}", "");
    }

    private static string? AluName(int op) => op switch
    {
        Add => "add", Sub => "sub", Mul => "mul", Div => "div", Or => "or", And => "and", Lsh => "lsh",
        Rsh => "rsh", Neg => "neg", Mod => "mod", Xor => "xor", _ => null,
    };

    // Small constants (syscall numbers, slots, errnos) read best in decimal; masks and actions in hex.
    private static string Number(uint k) =>
        k < 4096 ? $"#{k.ToString(CultureInfo.InvariantCulture)}" : $"#0x{k:x}";

    private static string? Comment(BpfInstruction insn, long source, SyscallTable? table)
    {
        var code = insn.Code;
        if (code == LdAbsW) return SeccompData.Describe(insn.K);
        if (code == RetK) return SeccompRet.Describe(insn.K);
        if (Class(code) != Jmp || Op(code) == Ja || Src(code) == X || table is null) return null;
        if (source == SeccompData.NrOffset && Op(code) is Jeq or Jgt or Jge)
        {
            return insn.K <= int.MaxValue ? table.ByNumber((int)insn.K)?.Name : null;
        }
        if (source == SeccompData.ArchOffset && Op(code) == Jeq)
        {
            return Arches.TryFromAuditArch(insn.K, out var a) ? Arches.Name(a) : null;
        }
        return null;
    }

    private const long Unknown = -1, Unreached = -2;

    // For each instruction, the seccomp_data offset A holds on entry (or Unknown). Jumps only go forward, so
    // visiting instructions in order sees every predecessor first.
    private static long[] AccumulatorSources(IReadOnlyList<BpfInstruction> p)
    {
        var state = new long[p.Count];
        Array.Fill(state, Unreached);
        if (p.Count > 0) state[0] = Unknown;
        void Flow(long target, long value)
        {
            if (target < 0 || target >= p.Count) return;
            var t = (int)target;
            state[t] = state[t] == Unreached || state[t] == value ? value : Unknown;
        }
        for (var i = 0; i < p.Count; i++)
        {
            if (state[i] == Unreached) continue;
            var insn = p[i];
            var code = insn.Code;
            var after = Class(code) switch
            {
                Ld => code == LdAbsW ? insn.K : Unknown,
                Alu => Unknown,
                Misc => MiscOp(code) == Txa ? Unknown : state[i],
                _ => state[i],
            };
            switch (Class(code))
            {
                case Ret:
                    break;
                case Jmp when Op(code) == Ja:
                    Flow(i + 1L + insn.K, after);
                    break;
                case Jmp:
                    Flow(i + 1L + insn.Jt, after);
                    Flow(i + 1L + insn.Jf, after);
                    break;
                default:
                    Flow(i + 1L, after);
                    break;
            }
        }
        return state;
    }
}
