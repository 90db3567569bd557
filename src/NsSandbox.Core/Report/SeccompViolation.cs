using NsSandbox.Linux;
using NsSandbox.Policy.Syscalls;

namespace NsSandbox.Core.Report;

/// <summary>The report's "seccomp": the call the filter killed the command for, from the kernel's audit record.
/// Syscall and number are absent when no record could be read (see docs/seccomp.md).</summary>
public sealed record SeccompViolation
{
    /// <summary>The kernel's name for the call (x86_64: "newuname", not "uname"); "x32:" + name for x32 calls.</summary>
    public string? Syscall { get; init; }
    public int? Number { get; init; }
    /// <summary>"x86_64", "aarch64", or the audit arch in hex for another one (such as i386's 40000003).</summary>
    public string? Arch { get; init; }

    private const int X32Bit = 0x40000000;

    public static SeccompViolation From(SeccompRecord? record)
    {
        if (record is null) return new SeccompViolation();
        Arch? arch = record.Arch switch
        {
            Arches.AuditArchX86_64 => Policy.Syscalls.Arch.X86_64,
            Arches.AuditArchAarch64 => Policy.Syscalls.Arch.Aarch64,
            _ => null,
        };
        string? name = null;
        if (arch is { } a)
        {
            bool x32 = a == Policy.Syscalls.Arch.X86_64 && (record.Syscall & X32Bit) != 0;
            // x32 numbers are the x86_64 table's with bit 30 set, except for a few x32-only entries (512+).
            string? baseName = SyscallTable.For(a).ByNumber(record.Syscall & ~X32Bit)?.Name;
            name = baseName is null ? null : x32 ? "x32:" + baseName : baseName;
        }
        return new SeccompViolation
        {
            Syscall = name,
            Number = record.Syscall,
            Arch = arch is { } known ? Arches.Name(known) : record.Arch.ToString("x8"),
        };
    }

    /// <summary>The line the launcher prints: "the command was killed for calling ptrace (101)".</summary>
    public string Describe() => Number is not { } n
        ? "the command was killed for calling a forbidden system call (no audit record: see docs/seccomp.md)"
        : $"the command was killed for calling {Syscall ?? "system call"} ({n})" + (Arch is "x86_64" or "aarch64" ? "" : $" (audit arch {Arch})");
}
