namespace NsSandbox.Policy.Bpf;

/// <summary>
/// Offsets in struct seccomp_data, the buffer a seccomp filter loads from: int nr, u32 arch, u64
/// instruction_pointer, u64 args[6]. Both supported arches are little-endian, so an argument's low 32 bits
/// come first.
/// </summary>
public static class SeccompData
{
    public const int NrOffset = 0, ArchOffset = 4, InstructionPointerOffset = 8, ArgsOffset = 16;
    public const int Size = 64;
    public const int ArgCount = 6;

    public static int ArgLowOffset(int i) => ArgsOffset + 8 * CheckArg(i);

    public static int ArgHighOffset(int i) => ArgsOffset + 8 * CheckArg(i) + 4;

    /// <summary>A readable name for a load offset: "nr", "arch", "ip.lo", "args[2].hi"; null if not a field.</summary>
    public static string? Describe(uint offset) => offset switch
    {
        NrOffset => "nr",
        ArchOffset => "arch",
        InstructionPointerOffset => "ip.lo",
        InstructionPointerOffset + 4 => "ip.hi",
        >= ArgsOffset and < Size when offset % 4 == 0 =>
            $"args[{(offset - ArgsOffset) / 8}].{((offset - ArgsOffset) % 8 == 0 ? "lo" : "hi")}",
        _ => null,
    };

    private static int CheckArg(int i) =>
        i is >= 0 and < ArgCount ? i : throw new ArgumentOutOfRangeException(nameof(i), i, "syscall arguments are 0..5");
}
