using NsSandbox.Linux;
using NsSandbox.Policy.Syscalls;

namespace NsSandbox.Core.Report;

/// <summary>Names the system calls of the kernel's seccomp audit records for the report: the call the filter
/// killed the command for, and with --seccomp_log the calls it would have.</summary>
public static class SeccompNames
{
    private const int X32Bit = (int)Arches.X32SyscallBit;

    public static SeccompViolation Violation(SeccompRecord? record)
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

    /// <summary>The records grouped by call, in syscall number order.</summary>
    public static List<SeccompLoggedCall> Logged(IEnumerable<SeccompRecord> records) => records
        .GroupBy(r => (r.Arch, r.Syscall))
        .Select(g => (Named: Violation(g.First()), Count: g.Count()))
        .Select(c => new SeccompLoggedCall(c.Named.Syscall, c.Named.Number!.Value, c.Named.Arch!, c.Count))
        .OrderBy(c => c.Number)
        .ToList();

}
