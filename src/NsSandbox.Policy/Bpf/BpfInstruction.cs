namespace NsSandbox.Policy.Bpf;

/// <summary>One classic BPF instruction, the kernel's struct sock_filter.</summary>
public readonly record struct BpfInstruction(ushort Code, byte Jt, byte Jf, uint K)
{
    public override string ToString() => $"{{ 0x{Code:x2}, {Jt}, {Jf}, 0x{K:x8} }}";
}
