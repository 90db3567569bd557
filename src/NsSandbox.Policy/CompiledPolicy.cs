using NsSandbox.Policy.Bpf;
using NsSandbox.Policy.Semantics;
using NsSandbox.Policy.Syscalls;

namespace NsSandbox.Policy;

/// <summary>A policy compiled for one architecture: the BPF program, its bytes for seccomp(2) (struct
/// sock_filter, native byte order), and the resolved policy it came from.</summary>
public sealed class CompiledPolicy
{
    public CompiledPolicy(Arch arch, ResolvedPolicy policy, IReadOnlyList<BpfInstruction> program)
    {
        Arch = arch;
        Policy = policy;
        Program = program;
        Bytes = BpfCodec.ToBytes(program);
    }

    public Arch Arch { get; }

    public ResolvedPolicy Policy { get; }

    public IReadOnlyList<BpfInstruction> Program { get; }

    public byte[] Bytes { get; }
}
