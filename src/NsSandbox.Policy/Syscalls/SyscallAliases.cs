namespace NsSandbox.Policy.Syscalls;

/// <summary>
/// Hand-kept aliases on top of the generated ones (which map every unistd.h spelling to the kernel's entry-point
/// name, e.g. "uname" to "newuname"). Each entry is here because policies in common use spell it that way.
/// An alias whose target does not exist on an architecture is ignored there, so the name stays unknown.
/// </summary>
internal static class SyscallAliases
{
    private static readonly (string Alias, string Canonical)[] Common =
    [
        // glibc and strace spell the 64-bit file-offset calls with the suffix that 32-bit ABIs need.
        ("pread", "pread64"),
        ("pwrite", "pwrite64"),
        // _sysctl is the unistd.h name of an entry that only survives as a number; kafel calls it sysctl.
        ("sysctl", "_sysctl"),
    ];

    public static IEnumerable<(string Alias, string Canonical)> Extra(Arch arch) => Common;
}
