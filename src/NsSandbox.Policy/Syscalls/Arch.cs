namespace NsSandbox.Policy.Syscalls;

/// <summary>The architectures a policy can target.</summary>
public enum Arch { X86_64, Aarch64 }

public static class Arches
{
    /// <summary>Every supported architecture, in enum order.</summary>
    public static IReadOnlyList<Arch> All { get; } = [Arch.X86_64, Arch.Aarch64];

    // AUDIT_ARCH_* from include/uapi/linux/audit.h: EM_* | __AUDIT_ARCH_64BIT | __AUDIT_ARCH_LE.
    public const uint AuditArchX86_64 = 0xC000003E;
    public const uint AuditArchAarch64 = 0xC00000B7;

    /// <summary>x86_64's __X32_SYSCALL_BIT: set in the number of an x32 ABI call, which the kernel reports with
    /// AUDIT_ARCH_X86_64 too; a filter for x86_64 must not let such calls through.</summary>
    public const uint X32SyscallBit = 0x40000000;

    /// <summary>The value the kernel puts in seccomp_data.arch for this architecture.</summary>
    public static uint AuditArch(Arch a) => a switch
    {
        Arch.X86_64 => AuditArchX86_64,
        Arch.Aarch64 => AuditArchAarch64,
        _ => throw new ArgumentOutOfRangeException(nameof(a)),
    };

    /// <summary>The name policies and listings use: "x86_64" or "aarch64".</summary>
    public static string Name(Arch a) => a switch
    {
        Arch.X86_64 => "x86_64",
        Arch.Aarch64 => "aarch64",
        _ => throw new ArgumentOutOfRangeException(nameof(a)),
    };

    /// <summary>Parses an architecture name; "amd64" and "arm64" are accepted as the Debian/Go spellings.</summary>
    public static bool TryParse(string s, out Arch a)
    {
        switch (s)
        {
            case "x86_64" or "amd64": a = Arch.X86_64; return true;
            case "aarch64" or "arm64": a = Arch.Aarch64; return true;
            default: a = default; return false;
        }
    }

    /// <summary>The architecture whose AUDIT_ARCH value is <paramref name="auditArch"/>, if supported.</summary>
    public static bool TryFromAuditArch(uint auditArch, out Arch a)
    {
        foreach (var candidate in All)
        {
            if (AuditArch(candidate) == auditArch) { a = candidate; return true; }
        }
        a = default;
        return false;
    }
}
