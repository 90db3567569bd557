using NsSandbox.Policy.Syscalls;

namespace NsSandbox.Policy.Bpf;

/// <summary>--seccomp_log: every SECCOMP_RET_KILL_THREAD and SECCOMP_RET_KILL_PROCESS the compiled filter
/// returns becomes SECCOMP_RET_LOG (the call runs and the kernel logs it), so a user can run a program
/// under a draft policy and read every call it would have been killed for. The architecture and x32
/// checks must still kill, so this prepends its own copy of them: the compiled program's own checks then
/// never fire, and rewriting their returns too is harmless. Classic BPF jumps are relative and forward
/// only, so prepending leaves every jump of the program valid. A program that grows past the kernel's limit is
/// a <see cref="PolicyException"/> without a position (the launcher reports it under --seccomp_log).</summary>
public static class SeccompLogMode
{
    public static byte[] Apply(ReadOnlySpan<byte> program, Arch arch)
    {
        var result = new List<BpfInstruction>
        {
            new(BpfOp.LdAbsW, 0, 0, SeccompData.ArchOffset),
            new(BpfOp.JeqK, 1, 0, Arches.AuditArch(arch)),
            new(BpfOp.RetK, 0, 0, SeccompRet.KillProcess),
        };
        if (arch == Arch.X86_64)
        {
            result.Add(new(BpfOp.LdAbsW, 0, 0, SeccompData.NrOffset));
            result.Add(new(BpfOp.JsetK, 0, 1, Arches.X32SyscallBit));
            result.Add(new(BpfOp.RetK, 0, 0, SeccompRet.KillProcess));
        }
        foreach (var insn in BpfCodec.FromBytes(program))
            result.Add(insn.Code == BpfOp.RetK && SeccompRet.Action(insn.K) is SeccompRet.KillThread or SeccompRet.KillProcess
                ? insn with { K = SeccompRet.Log }
                : insn);
        if (result.Count > BpfValidator.MaxInstructions)
            throw new PolicyException(null, $"the policy with --seccomp_log's checks is {result.Count} instructions; " +
                $"the kernel takes at most {BpfValidator.MaxInstructions}");
        return BpfCodec.ToBytes(result);
    }
}
