
namespace NsSandbox.Contract;

/// <summary>One entry of the report's "seccomp_logged" (--seccomp_log): a call the policy would have killed,
/// named as in <see cref="SeccompViolation"/>, and how many times the kernel logged it.</summary>
public sealed record SeccompLoggedCall(string? Syscall, int Number, string Arch, int Count)
{
    /// <summary>"ptrace (101)", with "x3" when logged more than once.</summary>
    public override string ToString() => $"{Syscall ?? "system call"} ({Number})" + (Count > 1 ? $" x{Count}" : "");
}
