namespace NsSandbox.Contract;

/// <summary>The report's "seccomp": the call the filter killed the command for, from the kernel's audit record.
/// Syscall and number are absent when no record could be read (see docs/seccomp.md).</summary>
public sealed record SeccompViolation
{
    /// <summary>The kernel's name for the call (x86_64: "newuname", not "uname"); "x32:" + name for x32 calls.</summary>
    public string? Syscall { get; init; }
    public int? Number { get; init; }
    /// <summary>"x86_64", "aarch64", or the audit arch in hex for another one (such as i386's 40000003).</summary>
    public string? Arch { get; init; }

    /// <summary>The line the launcher prints: "the command was killed for calling ptrace (101)".</summary>
    public string Describe() => Number is not { } n
        ? "the command was killed for calling a forbidden system call (no audit record: see docs/seccomp.md)"
        : $"the command was killed for calling {Syscall ?? "system call"} ({n})" + (Arch is "x86_64" or "aarch64" ? "" : $" (audit arch {Arch})");
}
