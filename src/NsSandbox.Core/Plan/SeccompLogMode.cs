using System.Buffers.Binary;
using NsSandbox.Policy.Syscalls;

namespace NsSandbox.Core.Plan;

/// <summary>--seccomp_log: every SECCOMP_RET_KILL_THREAD and SECCOMP_RET_KILL_PROCESS the compiled filter
/// returns becomes SECCOMP_RET_LOG (the call runs and the kernel logs it), so a user can run a program
/// under a draft policy and read every call it would have been killed for. The architecture and x32
/// checks must still kill, so this prepends its own copy of them: the compiled program's own checks then
/// never fire, and rewriting their returns too is harmless. Classic BPF jumps are relative and forward
/// only, so prepending leaves every jump of the program valid.</summary>
public static class SeccompLogMode
{
    private const int InstructionSize = 8;
    private const ushort LdWAbs = 0x20, JeqK = 0x15, JsetK = 0x45, RetK = 0x06;
    private const uint RetKillProcess = 0x80000000, RetKillThread = 0, RetLog = 0x7ffc0000, ActionMask = 0xffff0000;
    private const uint OffsetNr = 0, OffsetArch = 4, X32Bit = 0x40000000;

    public static byte[] Apply(ReadOnlySpan<byte> program, Arch arch)
    {
        var prologue = new List<(ushort Code, byte Jt, byte Jf, uint K)>
        {
            (LdWAbs, 0, 0, OffsetArch),
            (JeqK, 1, 0, Arches.AuditArch(arch)),
            (RetK, 0, 0, RetKillProcess),
        };
        if (arch == Arch.X86_64)
        {
            prologue.Add((LdWAbs, 0, 0, OffsetNr));
            prologue.Add((JsetK, 0, 1, X32Bit));
            prologue.Add((RetK, 0, 0, RetKillProcess));
        }
        var result = new byte[prologue.Count * InstructionSize + program.Length];
        for (int i = 0; i < prologue.Count; i++)
            Write(result.AsSpan(i * InstructionSize), prologue[i]);
        var body = result.AsSpan(prologue.Count * InstructionSize);
        program.CopyTo(body);
        for (int at = 0; at + InstructionSize <= body.Length; at += InstructionSize)
        {
            var insn = body.Slice(at, InstructionSize);
            uint k = BinaryPrimitives.ReadUInt32LittleEndian(insn[4..]);
            if (BinaryPrimitives.ReadUInt16LittleEndian(insn) == RetK && (k & ActionMask) is RetKillThread or RetKillProcess)
                BinaryPrimitives.WriteUInt32LittleEndian(insn[4..], RetLog);
        }
        return result;
    }

    /// <summary>How many instructions Apply adds in front of the program.</summary>
    public static int PrologueLength(Arch arch) => arch == Arch.X86_64 ? 6 : 3;

    private static void Write(Span<byte> to, (ushort Code, byte Jt, byte Jf, uint K) insn)
    {
        BinaryPrimitives.WriteUInt16LittleEndian(to, insn.Code);
        to[2] = insn.Jt;
        to[3] = insn.Jf;
        BinaryPrimitives.WriteUInt32LittleEndian(to[4..], insn.K);
    }
}
