namespace NsSandbox.Policy.Syscalls;

/// <summary>
/// Hand-kept aliases on top of the generated ones (the generator maps every unistd.h spelling to the kernel's
/// entry-point name: "uname" to "newuname", "umount2" to "umount", "fstat" to "newfstat"). Each entry says why
/// it is here. An alias whose target does not exist on an architecture is ignored there, so it stays unknown.
/// </summary>
internal static class SyscallAliases
{
    public static readonly (string Alias, string Canonical)[] All =
    [
        // x86_64 number 156 has no entry point left (sys_ni_syscall); kafel and its policies call it sysctl.
        ("sysctl", "_sysctl"),
    ];

    /// <summary>Whether an alias is the name kafel itself uses (so `policy check --kafel` accepts it).</summary>
    public static bool IsKafels(string alias) => All.Any(a => a.Alias == alias);
}
