using System.Text.RegularExpressions;
using NsSandbox.Policy.Syscalls;

namespace NsSandbox.Policy.Tests.Syscalls;

/// <summary>The generated x86_64 table against the machine's installed kernel headers (linux-libc-dev): it must
/// know every syscall they define, so a table older than the headers fails here.</summary>
public partial class InstalledHeadersTests
{
    private const string UnistdPath = "/usr/include/x86_64-linux-gnu/asm/unistd_64.h";

    [GeneratedRegex(@"^#define __NR_(\w+)\s+(\d+)\s*$", RegexOptions.Multiline)]
    private static partial Regex Define();

    [Fact]
    public void X86_64_numbers_agree_with_the_installed_unistd_64_h()
    {
        if (!File.Exists(UnistdPath)) Assert.Skip($"{UnistdPath} is not installed (apt-get install linux-libc-dev)");
        var table = SyscallTable.For(Arch.X86_64);
        var defines = Define().Matches(File.ReadAllText(UnistdPath))
            .Select(m => (Name: m.Groups[1].Value, Number: int.Parse(m.Groups[2].Value)))
            .ToArray();
        Assert.True(defines.Length > 300, $"only {defines.Length} __NR_ defines in {UnistdPath}");
        // Same name, same number; a name the table lacks may only be a number the kernel left unused.
        var mismatches = defines
            .Where(d => table.TryLookup(d.Name, out var s) ? s.Number != d.Number : table.ByNumber(d.Number) is null)
            .Select(d => $"{d.Name}={d.Number}")
            .ToArray();
        Assert.True(mismatches.Length == 0, $"{UnistdPath} defines syscalls the table (Linux {table.KernelVersion}) lacks or numbers " +
            $"differently: {string.Join(", ", mismatches)}; regenerate the tables from a newer linux-source");
    }
}
