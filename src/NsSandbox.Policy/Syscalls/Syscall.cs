namespace NsSandbox.Policy.Syscalls;

/// <summary>
/// One system call of an architecture: its canonical name (as the kernel's syscall definitions spell it,
/// which is what kafel policies use), its number, and the argument names of its SYSCALL_DEFINEn declaration.
/// </summary>
public sealed record Syscall(string Name, int Number, IReadOnlyList<string> ArgumentNames)
{
    /// <summary>
    /// Size in bytes (4 or 8) of each argument as the kernel declares it, parallel to ArgumentNames.
    /// A 4-byte argument is compared on its low 32 bits only, because the kernel ignores the upper half.
    /// </summary>
    public IReadOnlyList<int> ArgumentSizes { get; init; } = [];

    /// <summary>The size of argument <paramref name="index"/>; 8 (both halves) where the table does not know it.</summary>
    public int ArgumentSize(int index) =>
        index >= 0 && index < ArgumentSizes.Count ? ArgumentSizes[index] : 8;

    /// <summary>The position of a declared argument name, or -1.</summary>
    public int ArgumentIndex(string name)
    {
        for (var i = 0; i < ArgumentNames.Count; i++)
        {
            if (ArgumentNames[i] == name) return i;
        }
        return -1;
    }
}
