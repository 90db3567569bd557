using NsSandbox.Linux;

namespace NsSandbox.Core.Report;

/// <summary>One entry of the report's "seccomp_logged" (--seccomp_log): a call the policy would have killed,
/// named as in <see cref="SeccompViolation"/>, and how many times the kernel logged it.</summary>
public sealed record SeccompLoggedCall(string? Syscall, int Number, string Arch, int Count)
{
    /// <summary>The records grouped by call, in syscall number order.</summary>
    public static List<SeccompLoggedCall> From(IEnumerable<SeccompRecord> records) => records
        .GroupBy(r => (r.Arch, r.Syscall))
        .Select(g => (Named: SeccompViolation.From(g.First()), Count: g.Count()))
        .Select(c => new SeccompLoggedCall(c.Named.Syscall, c.Named.Number!.Value, c.Named.Arch!, c.Count))
        .OrderBy(c => c.Number)
        .ToList();

    /// <summary>"ptrace (101)", with "x3" when logged more than once.</summary>
    public override string ToString() => $"{Syscall ?? "system call"} ({Number})" + (Count > 1 ? $" x{Count}" : "");
}
