using System.Text.RegularExpressions;
using NsSandbox.Policy.Syscalls;

namespace NsSandbox.Policy.Tests.Syscalls;

/// <summary>The generated x86_64 table against the machine's installed kernel headers (linux-libc-dev).</summary>
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
        // Same name, same number; a name the table lacks may only be a syscall newer than the table's kernel.
        var newest = table.All[^1].Number;
        var mismatches = defines
            .Where(d => table.TryLookup(d.Name, out var s) ? s.Number != d.Number : d.Number <= newest)
            .Select(d => $"{d.Name}={d.Number}")
            .ToArray();
        Assert.Empty(mismatches);
        // And every syscall of the table is one the headers define.
        var headerNumbers = defines.Select(d => d.Number).ToHashSet();
        Assert.Empty(table.All.Where(s => !headerNumbers.Contains(s.Number)).Select(s => s.Name));
    }
}
