namespace NsSandbox.Policy.Bpf;

/// <summary>The struct seccomp_data a filter sees for one system call.</summary>
public readonly record struct SeccompInput(int Nr, uint Arch, ulong InstructionPointer,
    ulong Arg0, ulong Arg1, ulong Arg2, ulong Arg3, ulong Arg4, ulong Arg5)
{
    public ulong Arg(int i) => i switch
    {
        0 => Arg0, 1 => Arg1, 2 => Arg2, 3 => Arg3, 4 => Arg4, 5 => Arg5,
        _ => throw new ArgumentOutOfRangeException(nameof(i), i, "syscall arguments are 0..5"),
    };

    /// <summary>A call with the given number and arguments (missing ones are 0).</summary>
    public static SeccompInput Call(uint arch, int nr, params ulong[] args)
    {
        if (args.Length > SeccompData.ArgCount) throw new ArgumentException("at most 6 arguments", nameof(args));
        ulong A(int i) => i < args.Length ? args[i] : 0;
        return new SeccompInput(nr, arch, 0, A(0), A(1), A(2), A(3), A(4), A(5));
    }

    /// <summary>The 32-bit word at a 4-aligned offset below 64, as BPF_LD|BPF_W|BPF_ABS reads it.</summary>
    public uint Word(uint offset)
    {
        ulong Half(ulong value) => (offset & 4) == 0 ? value & 0xffffffff : value >> 32;
        return offset switch
        {
            SeccompData.NrOffset => unchecked((uint)Nr),
            SeccompData.ArchOffset => Arch,
            < SeccompData.ArgsOffset and >= SeccompData.InstructionPointerOffset => (uint)Half(InstructionPointer),
            < SeccompData.Size => (uint)Half(Arg((int)(offset - SeccompData.ArgsOffset) / 8)),
            _ => throw new ArgumentOutOfRangeException(nameof(offset)),
        };
    }
}
