using NsSandbox.Policy.Syscalls;

namespace NsSandbox.Policy.Tests.Syscalls;

public class SyscallTableTests
{
    private static readonly SyscallTable X86 = SyscallTable.For(Arch.X86_64);
    private static readonly SyscallTable Arm = SyscallTable.For(Arch.Aarch64);

    [Theory]
    [InlineData(Arch.X86_64, "read", 0)]
    [InlineData(Arch.X86_64, "write", 1)]
    [InlineData(Arch.X86_64, "openat", 257)]
    [InlineData(Arch.X86_64, "arch_prctl", 158)]
    [InlineData(Arch.X86_64, "clone3", 435)]
    [InlineData(Arch.X86_64, "exit_group", 231)]
    [InlineData(Arch.Aarch64, "read", 63)]
    [InlineData(Arch.Aarch64, "write", 64)]
    [InlineData(Arch.Aarch64, "openat", 56)]
    [InlineData(Arch.Aarch64, "mmap", 222)]
    [InlineData(Arch.Aarch64, "clone3", 435)]
    [InlineData(Arch.Aarch64, "exit_group", 94)]
    public void Looks_up_by_name_and_by_number(Arch arch, string name, int number)
    {
        var table = SyscallTable.For(arch);
        Assert.True(table.TryLookup(name, out var byName));
        Assert.Equal(number, byName.Number);
        Assert.Equal(name, table.ByNumber(number)?.Name);
    }

    [Theory]
    [InlineData(Arch.X86_64, "uname", "newuname", 63)]
    [InlineData(Arch.X86_64, "fstat", "newfstat", 5)]
    [InlineData(Arch.X86_64, "stat", "newstat", 4)]
    [InlineData(Arch.X86_64, "lstat", "newlstat", 6)]
    [InlineData(Arch.X86_64, "umount2", "umount", 166)]
    [InlineData(Arch.X86_64, "sendfile", "sendfile64", 40)]
    [InlineData(Arch.X86_64, "sysctl", "_sysctl", 156)]
    [InlineData(Arch.Aarch64, "uname", "newuname", 160)]
    [InlineData(Arch.Aarch64, "fstat", "newfstat", 80)]
    [InlineData(Arch.Aarch64, "umount2", "umount", 39)]
    public void Unistd_spellings_are_aliases_of_the_kernel_names(Arch arch, string alias, string canonical, int number)
    {
        var table = SyscallTable.For(arch);
        Assert.True(table.TryLookup(alias, out var viaAlias));
        Assert.True(table.TryLookup(canonical, out var direct));
        Assert.Same(direct, viaAlias);
        Assert.Equal(canonical, viaAlias.Name);
        Assert.Equal(number, viaAlias.Number);
        Assert.Contains(alias, table.Names);
    }

    [Theory]
    [InlineData(Arch.Aarch64, "open")]       // only the *at family exists on the generic table
    [InlineData(Arch.Aarch64, "arch_prctl")]
    [InlineData(Arch.Aarch64, "stat")]
    [InlineData(Arch.Aarch64, "sysctl")]     // the alias's target is x86_64-only
    [InlineData(Arch.X86_64, "renameat3")]
    [InlineData(Arch.X86_64, "")]
    [InlineData(Arch.X86_64, "WRITE")]       // names are case-sensitive, as in kafel
    public void Unknown_names_are_not_found(Arch arch, string name)
    {
        Assert.False(SyscallTable.For(arch).TryLookup(name, out _));
    }

    [Fact]
    public void Unknown_numbers_are_null()
    {
        Assert.Null(X86.ByNumber(-1));
        Assert.Null(X86.ByNumber(512));          // x32's rt_sigaction: a different ABI
        Assert.Null(X86.ByNumber(0x40000000));   // __X32_SYSCALL_BIT
        Assert.Null(Arm.ByNumber(244));          // __NR_arch_specific_syscall, unused on arm64
        Assert.Null(Arm.ByNumber(1000));
    }

    [Fact]
    public void X86_64_table_holds_only_the_64_bit_abi()
    {
        Assert.All(X86.All, s => Assert.InRange(s.Number, 0, 511));
        Assert.Equal(375, X86.All.Count);
        Assert.Equal(318, Arm.All.Count);
    }

    [Fact]
    public void Tables_are_sorted_by_number_with_unique_names_and_numbers()
    {
        foreach (var table in new[] { X86, Arm })
        {
            var numbers = table.All.Select(s => s.Number).ToArray();
            Assert.Equal(numbers.Order(), numbers);
            Assert.Equal(numbers.Length, numbers.Distinct().Count());
            Assert.Equal(numbers.Length, table.All.Select(s => s.Name).Distinct().Count());
            Assert.All(table.All, s => Assert.Equal(s.ArgumentNames.Count, s.ArgumentSizes.Count));
            Assert.All(table.All, s => Assert.All(s.ArgumentSizes, size => Assert.True(size is 4 or 8)));
        }
    }

    [Fact]
    public void Tables_record_the_kernel_they_come_from()
    {
        Assert.Equal("6.12.117", X86.KernelVersion);
        // The calls of Linux 6.2 to 6.12 are known by name, with the same numbers on both architectures.
        foreach (var (name, number) in new[] { ("cachestat", 451), ("futex_wake", 454), ("listmount", 458), ("lsm_list_modules", 461), ("mseal", 462) })
            foreach (var table in new[] { X86, Arm })
                Assert.Equal(number, table.TryLookup(name, out var s) ? s.Number : -1);
        Assert.Equal(X86.KernelVersion, Arm.KernelVersion);
        Assert.Equal(Arch.X86_64, X86.Arch);
        Assert.Equal(Arch.Aarch64, Arm.Arch);
    }

    [Theory]
    [InlineData(Arch.X86_64, "write", new[] { "fd", "buf", "count" }, new[] { 4, 8, 8 })]
    [InlineData(Arch.X86_64, "socket", new[] { "family", "type", "protocol" }, new[] { 4, 4, 4 })]
    [InlineData(Arch.X86_64, "mmap", new[] { "addr", "len", "prot", "flags", "fd", "off" }, new[] { 8, 8, 8, 8, 8, 8 })]
    [InlineData(Arch.X86_64, "clone", new[] { "clone_flags", "newsp", "parent_tidptr", "child_tidptr", "tls" }, new[] { 8, 8, 8, 8, 8 })]
    [InlineData(Arch.Aarch64, "clone", new[] { "clone_flags", "newsp", "parent_tidptr", "tls", "child_tidptr" }, new[] { 8, 8, 8, 8, 8 })]
    [InlineData(Arch.X86_64, "personality", new[] { "personality" }, new[] { 4 })]
    [InlineData(Arch.X86_64, "openat", new[] { "dfd", "filename", "flags", "mode" }, new[] { 4, 8, 4, 4 })]
    [InlineData(Arch.X86_64, "getpid", new string[0], new int[0])]
    [InlineData(Arch.Aarch64, "lseek", new[] { "fd", "offset", "whence" }, new[] { 4, 8, 4 })]
    public void Arguments_follow_the_kernels_declarations(Arch arch, string name, string[] names, int[] sizes)
    {
        Assert.True(SyscallTable.For(arch).TryLookup(name, out var s));
        Assert.Equal(names, s.ArgumentNames);
        Assert.Equal(sizes, s.ArgumentSizes);
    }

    [Fact]
    public void Argument_helpers_find_positions_and_default_to_both_halves()
    {
        Assert.True(X86.TryLookup("write", out var write));
        Assert.Equal(2, write.ArgumentIndex("count"));
        Assert.Equal(-1, write.ArgumentIndex("nope"));
        Assert.Equal(4, write.ArgumentSize(0));
        Assert.Equal(8, write.ArgumentSize(5)); // undeclared: compare all 64 bits
        Assert.Equal(8, new Syscall("custom", 1000, []).ArgumentSize(0));
    }

    [Theory]
    [InlineData("wirte", "write")]
    [InlineData("opneat", "openat")]
    [InlineData("exit_grop", "exit_group")]
    [InlineData("mmpa", "mmap")]
    [InlineData("rt_sigretrun", "rt_sigreturn")]
    public void Suggests_the_nearest_names_first(string typo, string expected)
    {
        var suggestions = X86.NearestNames(typo);
        Assert.NotEmpty(suggestions);
        Assert.Equal(expected, suggestions[0]);
        Assert.InRange(suggestions.Count, 1, 3);
    }

    [Fact]
    public void Suggestions_are_ordered_bounded_and_include_aliases()
    {
        Assert.Equal(["read", "readv"], X86.NearestNames("reed", 2));
        Assert.Equal(["uname"], X86.NearestNames("unme", 1));
        Assert.Empty(X86.NearestNames("completely_unrelated_words"));
        Assert.Empty(X86.NearestNames("write", 0));
        Assert.Equal("write", X86.NearestNames("write")[0]);
    }

    [Fact]
    public void Arch_names_and_audit_values()
    {
        Assert.Equal(0xC000003Eu, Arches.AuditArch(Arch.X86_64));
        Assert.Equal(0xC00000B7u, Arches.AuditArch(Arch.Aarch64));
        Assert.Equal("x86_64", Arches.Name(Arch.X86_64));
        Assert.Equal("aarch64", Arches.Name(Arch.Aarch64));
        foreach (var arch in Arches.All)
        {
            Assert.True(Arches.TryParse(Arches.Name(arch), out var parsed));
            Assert.Equal(arch, parsed);
            Assert.True(Arches.TryFromAuditArch(Arches.AuditArch(arch), out var fromAudit));
            Assert.Equal(arch, fromAudit);
        }
        Assert.True(Arches.TryParse("arm64", out var arm) && arm == Arch.Aarch64);
        Assert.False(Arches.TryParse("i386", out _));
        Assert.False(Arches.TryParse("X86_64", out _));
        Assert.False(Arches.TryFromAuditArch(0x40000003, out _)); // AUDIT_ARCH_I386
    }
}
