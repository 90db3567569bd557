using NsSandbox.Policy.Bpf;
using NsSandbox.Policy.Semantics;
using NsSandbox.Policy.Syscalls;
using static NsSandbox.Policy.Tests.Policies;

namespace NsSandbox.Policy.Tests;

public class LanguageTests
{
    [Theory]
    [InlineData("ALLOW", "ALLOW", 0x7fff0000u)]
    [InlineData("LOG", "LOG", 0x7ffc0000u)]
    [InlineData("KILL", "KILL", 0u)]
    [InlineData("KILL_THREAD", "KILL", 0u)]
    [InlineData("DENY", "KILL", 0u)]
    [InlineData("KILL_PROCESS", "KILL_PROCESS", 0x80000000u)]
    [InlineData("USER_NOTIF", "USER_NOTIF", 0x7fc00000u)]
    [InlineData("ERRNO(1)", "ERRNO(1)", 0x50001u)]
    [InlineData("ERRNO(65535)", "ERRNO(65535)", 0x5ffffu)]
    [InlineData("TRAP(0)", "TRAP(0)", 0x30000u)]
    [InlineData("TRACE(0x10)", "TRACE(16)", 0x7ff00010u)]
    public void EveryActionHasItsSeccompReturn(string action, string shown, uint seccompReturn)
    {
        string text = $"{action} {{ getpid }} DEFAULT ALLOW";
        if (action == "ALLOW") text = "ALLOW { getpid } DEFAULT ERRNO(9)";
        Assert.Equal(shown, Decide(text, "getpid"));
        var compiled = PolicyCompiler.CompileText(text, Arch.X86_64);
        Assert.Equal(seccompReturn, BpfInterpreter.Run(compiled.Program, SeccompInput.Call(Arches.AuditArchX86_64, 39)));
    }

    [Fact]
    public void DefaultIsKillWhenAbsentAndAppliesToUnlistedCalls()
    {
        Assert.Equal("KILL", Decide("ALLOW { read }", "write"));
        Assert.Equal("ERRNO(1)", Decide("ALLOW { read } DEFAULT ERRNO(1)", "write"));
        Assert.Equal("ALLOW", Decide("DEFAULT ALLOW", "write"));
    }

    [Fact]
    public void ArchitectureAndX32AreKilledBeforeAnyRule()
    {
        var compiled = PolicyCompiler.CompileText("DEFAULT ALLOW", Arch.X86_64);
        Assert.Equal(SeccompRet.KillProcess, BpfInterpreter.Run(compiled.Program, SeccompInput.Call(Arches.AuditArchAarch64, 0)));
        Assert.Equal(SeccompRet.KillProcess, BpfInterpreter.Run(compiled.Program, SeccompInput.Call(0x40000003, 0)));
        Assert.Equal(SeccompRet.KillProcess, BpfInterpreter.Run(compiled.Program, SeccompInput.Call(Arches.AuditArchX86_64, 0x40000000 | 1)));
        Assert.Equal(SeccompRet.Allow, BpfInterpreter.Run(compiled.Program, SeccompInput.Call(Arches.AuditArchX86_64, 1)));
        var arm = PolicyCompiler.CompileText("DEFAULT ALLOW", Arch.Aarch64);
        Assert.Equal(SeccompRet.KillProcess, BpfInterpreter.Run(arm.Program, SeccompInput.Call(Arches.AuditArchX86_64, 0)));
        Assert.Equal(SeccompRet.Allow, BpfInterpreter.Run(arm.Program, SeccompInput.Call(Arches.AuditArchAarch64, 0x40000001)));
    }

    [Fact]
    public void FirstMatchingRuleInSourceOrderAfterUseExpansionDecides()
    {
        const string text = """
            POLICY a { ERRNO(1) { write { fd == 1 } } }
            POLICY b { USE a, ALLOW { write { fd <= 2 } } }
            KILL_PROCESS { write { fd == 0 } }
            USE b
            ERRNO(2) { write }
            DEFAULT LOG
            """;
        Assert.Equal("KILL_PROCESS", Decide(text, "write", 0));
        Assert.Equal("ERRNO(1)", Decide(text, "write", 1));
        Assert.Equal("ALLOW", Decide(text, "write", 2));
        Assert.Equal("ERRNO(2)", Decide(text, "write", 3));
        Assert.Equal("LOG", Decide(text, "read", 3));
    }

    [Fact]
    public void NsjailStyleUseListWithDefault()
    {
        const string text = "POLICY a { ALLOW { read } } POLICY b { ERRNO(5) { write } } USE a, b DEFAULT TRAP(3)";
        Assert.Equal("ALLOW", Decide(text, "read"));
        Assert.Equal("ERRNO(5)", Decide(text, "write"));
        Assert.Equal("TRAP(3)", Decide(text, "close"));
    }

    [Fact]
    public void SyscallsByNumberDefineAndAlias()
    {
        const string text = "#define MYCALL 0x1ff\nALLOW { SYSCALL[39], MYCALL, SYSCALL[MYCALL2] } ERRNO(3) { uname, fstat, newstat } #define MYCALL2 7";
        // MYCALL2 is used before its #define.
        Assert.Equal("<string>:2:38: undefined constant 'MYCALL2' (a #define must come before its use)", Error(text));
        const string ok = "#define MYCALL 0x1ff\nALLOW { SYSCALL[39], MYCALL } ERRNO(3) { uname, fstat, newstat }";
        Assert.Equal("ALLOW", Decide(ok, "39"));
        Assert.Equal("ALLOW", Decide(ok, "511"));
        Assert.Equal("ERRNO(3)", Decide(ok, "newuname"));
        Assert.Equal("ERRNO(3)", Decide(ok, "newfstat"));
        Assert.Equal("ERRNO(3)", Decide(ok, "stat"));
        Assert.Equal("KILL", Decide(ok, "510"));
    }

    [Fact]
    public void OnRestrictsARuleToArchitectures()
    {
        const string text = "ALLOW { open ON x86_64, openat ON { aarch64 }, close ON { x86_64, aarch64 } } DEFAULT ERRNO(1)";
        Assert.Equal("ALLOW", Decide(text, Arch.X86_64, "open"));
        Assert.Equal("ERRNO(1)", Decide(text, Arch.X86_64, "openat"));
        Assert.Equal("ALLOW", Decide(text, Arch.Aarch64, "openat"));
        Assert.Equal("ALLOW", Decide(text, Arch.Aarch64, "close"));
        Assert.Equal("ALLOW", Decide(text, Arch.X86_64, "close"));
    }

    [Fact]
    public void DeclaredArgumentNamesOverrideTheKernels()
    {
        const string text = "ALLOW { write(out, buffer, size) { out == 1 && size < 10 } } DEFAULT ERRNO(1)";
        Assert.Equal("ALLOW", Decide(text, "write", 1, 0, 9));
        Assert.Equal("ERRNO(1)", Decide(text, "write", 1, 0, 10));
        Assert.Equal("<string>:1:53: undefined name 'fd': not an argument of write (a) nor a #define",
            Error("ALLOW { write(a) { a == 1 } } ERRNO(1) { write(a) { fd == 1 } }"));
    }

    [Fact]
    public void KernelArgumentNamesWorkWithoutDeclaration()
    {
        const string text = "#define PROT_EXEC 4\nALLOW { mmap { (prot & PROT_EXEC) == 0 }, socket { family == 1 } } DEFAULT ERRNO(1)";
        Assert.Equal("ALLOW", Decide(text, "mmap", 0, 4096, 3));
        Assert.Equal("ERRNO(1)", Decide(text, "mmap", 0, 4096, 7));
        Assert.Equal("ALLOW", Decide(text, "socket", 1));
        Assert.Equal("ERRNO(1)", Decide(text, "socket", 2));
    }

    public static TheoryData<string, ulong, bool> Edges64()
    {
        ulong[] edges = [0, 1, 1UL << 31, 1UL << 32, ~0UL, (1UL << 32) - 1, (1UL << 32) + 1, 1UL << 63];
        var data = new TheoryData<string, ulong, bool>();
        foreach (string op in new[] { "==", "!=", "<", "<=", ">", ">=" })
            foreach (ulong constant in edges)
                data.Add(op, constant, false);
        foreach (string op in new[] { "==", "<", ">=" })
            foreach (ulong constant in edges)
                data.Add(op, constant, true);
        return data;
    }

    [Theory]
    [MemberData(nameof(Edges64))]
    public void EveryComparisonAgreesOnSixtyFourBitEdges(string op, ulong constant, bool constantOnTheLeft)
    {
        // lseek's offset is 64 bits wide: both halves take part.
        string comparison = constantOnTheLeft ? $"0x{constant:x} {op} offset" : $"offset {op} 0x{constant:x}";
        string text = $"ALLOW {{ lseek {{ {comparison} }} }} DEFAULT ERRNO(1)";
        ulong[] values = [0, 1, 2, (1UL << 31) - 1, 1UL << 31, (1UL << 32) - 1, 1UL << 32, (1UL << 32) + 1, 1UL << 63, ~0UL, ~0UL - 1, 0xffffffff_00000000];
        foreach (ulong v in values)
        {
            bool holds = constantOnTheLeft ? ConditionMath.Compare(constant, Parse(op), v) : ConditionMath.Compare(v, Parse(op), constant);
            Assert.Equal(holds ? "ALLOW" : "ERRNO(1)", Decide(text, "lseek", 3, v, 0));
        }
    }

    private static Syntax.ComparisonOperator Parse(string op) => op switch
    {
        "==" => Syntax.ComparisonOperator.Equal,
        "!=" => Syntax.ComparisonOperator.NotEqual,
        "<" => Syntax.ComparisonOperator.Less,
        "<=" => Syntax.ComparisonOperator.LessOrEqual,
        ">" => Syntax.ComparisonOperator.Greater,
        _ => Syntax.ComparisonOperator.GreaterOrEqual,
    };

    [Fact]
    public void ThirtyTwoBitArgumentsCompareOnlyTheirLowHalf()
    {
        // write's fd is an int: the kernel ignores the upper half, so the filter does too, and -1 means 0xffffffff.
        const string text = "ALLOW { write { fd == 1, fd == -1 } } DEFAULT ERRNO(1)";
        Assert.Equal("ALLOW", Decide(text, "write", 1));
        Assert.Equal("ALLOW", Decide(text, "write", 0xdead_0000_0001));
        Assert.Equal("ALLOW", Decide(text, "write", 0xffffffff));
        Assert.Equal("ERRNO(1)", Decide(text, "write", 2));
        var program = PolicyCompiler.CompileText(text, Arch.X86_64).Program;
        Assert.DoesNotContain(program, i => i.Code == BpfOp.LdAbsW && i.K == SeccompData.ArgHighOffset(0));
    }

    [Fact]
    public void ComparingTwoArgumentsUsesTheXRegister()
    {
        const string text = "ALLOW { lseek { offset > whence } } DEFAULT ERRNO(1)";
        Assert.Equal("ALLOW", Decide(text, "lseek", 0, 1UL << 32, 5));
        Assert.Equal("ERRNO(1)", Decide(text, "lseek", 0, 5, 5));
        Assert.Contains(PolicyCompiler.CompileText(text, Arch.X86_64).Program, i => i.Code == BpfOp.JgtX);
    }

    [Fact]
    public void MasksAndBitSets()
    {
        const string text = """
            #define O_WRONLY 1
            #define O_CLOEXEC 0x80000
            #define CLONE_NS 0x7E020000
            ALLOW {
              openat { flags == O_WRONLY|O_CLOEXEC },
              clone { (clone_flags & CLONE_NS) == 0 },
              lseek { (offset & 0xffffffff00000000) == 0x100000000 },
              fcntl { cmd | 0x10 == 0x11 }
            }
            DEFAULT ERRNO(1)
            """;
        Assert.Equal("ALLOW", Decide(text, "openat", 0, 0, 0x80001));
        Assert.Equal("ERRNO(1)", Decide(text, "openat", 0, 0, 0x80000));
        Assert.Equal("ALLOW", Decide(text, "clone", 0x11));
        Assert.Equal("ERRNO(1)", Decide(text, "clone", 0x10000000));
        Assert.Equal("ALLOW", Decide(text, "lseek", 0, 0x1_ffff_ffff));
        Assert.Equal("ERRNO(1)", Decide(text, "lseek", 0, 0x2_0000_0000));
        Assert.Equal("ALLOW", Decide(text, "fcntl", 0, 1));
        Assert.Equal("ALLOW", Decide(text, "fcntl", 0, 0x11));
        Assert.Equal("ERRNO(1)", Decide(text, "fcntl", 0, 2));
    }

    [Theory]
    // Precedence, high to low: ! (on a condition), comparison, &&, ||, ','.
    [InlineData("a == 1 || a == 2 && b == 3", 1, 0, true)]
    [InlineData("a == 1 || a == 2 && b == 3", 2, 0, false)]
    [InlineData("(a == 1 || a == 2) && b == 3", 1, 0, false)]
    [InlineData("!a == 1 && b == 3", 2, 3, true)]
    [InlineData("!(a == 1 && b == 3)", 1, 3, false)]
    [InlineData("!a == 1 && b == 3", 1, 3, false)]
    [InlineData("a == 1, b == 2 && a == 5", 5, 2, true)]
    [InlineData("a == 1, b == 2 && a == 5", 4, 2, false)]
    [InlineData("!!(a == 1)", 1, 0, true)]
    [InlineData("a & 3 | 4 == 5", 1, 0, true)]
    [InlineData("a | 4 & 3 == 5", 1, 0, false)]
    public void Precedence(string condition, ulong a, ulong b, bool holds) =>
        Assert.Equal(holds ? "ALLOW" : "ERRNO(1)", Decide($"ALLOW {{ SYSCALL[600](a, b) {{ {condition} }} }} DEFAULT ERRNO(1)", "600", a, b));

    [Fact]
    public void NumbersInEveryBase()
    {
        const string text = "ALLOW { lseek { offset == 42 || offset == 0x2b || offset == 054 || offset == 0b101101 || offset == -1 } } DEFAULT ERRNO(1)";
        foreach (ulong v in new ulong[] { 42, 43, 44, 45, ulong.MaxValue }) Assert.Equal("ALLOW", Decide(text, "lseek", 0, v));
        Assert.Equal("ERRNO(1)", Decide(text, "lseek", 0, 46));
    }

    [Fact]
    public void CommentsAreIgnored()
    {
        const string text = "/* a\nblock */ ALLOW { // line\n read /* inline */ } DEFAULT ERRNO(1) // end";
        Assert.Equal("ALLOW", Decide(text, "read"));
    }
}
