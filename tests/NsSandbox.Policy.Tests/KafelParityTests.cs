using NsSandbox.Policy.Bpf;
using NsSandbox.Policy.Syscalls;
using static NsSandbox.Policy.Tests.Policies;

namespace NsSandbox.Policy.Tests;

/// <summary>What kafel accepts we accept, with kafel's meaning: its samples and the forms of its unit tests
/// (read for reference; these policies are our own).</summary>
public class KafelParityTests
{
    [Theory]
    // Bit operations between arguments, as in kafel's and_cmp_var and and_eq_var samples.
    [InlineData("write { (buf & fd) <= 0xc267df278caf1f35 }", 1, 0xffff_ffff_ffff_ffff, 0, true)]
    [InlineData("write { (fd & buf) != 0 }", 6, 3, 0, true)]
    [InlineData("write { (fd & buf) != 0 }", 4, 3, 0, false)]
    [InlineData("write { fd != count && buf == count }", 1, 7, 7, true)]
    [InlineData("write { fd != count && buf == count }", 7, 7, 7, false)]
    [InlineData("read { count | 8 | fd == 8 }", 0, 0, 0, true)]
    [InlineData("read { count | 8 | fd == 8 }", 5, 0, 0, false)]
    [InlineData("read { buf | buf & count == buf }", 0, 0x1234, 0, true)]
    [InlineData("read { (count | 2) & (fd | 3) == 2 }", 0, 0, 0, true)]
    [InlineData("read { (count | 2) & (fd | 3) == 2 }", 0, 0, 1, false)]
    [InlineData("read { 0x100001234 == 0x1234 }", 0, 0, 0, false)]
    [InlineData("read { !(fd == 5 && count == 0) }", 4, 0, 0, true)]
    [InlineData("read { !(fd == 5 && count == 0) }", 5, 0, 0, false)]
    public void ArgumentsCombineWithEachOther(string rule, ulong a0, ulong a1, ulong a2, bool allowed) =>
        Assert.Equal(allowed ? "ALLOW" : "KILL", Decide($"ALLOW {{ {rule} }} DEFAULT KILL", rule.Split(' ')[0], a0, a1, a2));

    [Fact]
    public void CustomNumbersMayBeNegative()
    {
        // seccomp_data.nr is an int: -1 is 0xffffffff, and a rule that names it decides it, x32 bit or not.
        foreach (string text in new[]
        {
            "ALLOW { exit } ERRNO(1) { SYSCALL[-1] } DEFAULT KILL",
            "#define SYS_CUSTOM -1\nALLOW { exit } ERRNO(1) { SYS_CUSTOM } DEFAULT KILL",
        })
        {
            Assert.Equal("ERRNO(1)", Decide(text, "-1"));
            Assert.Equal("KILL", Decide(text, "4"));
            Assert.Equal(SeccompRet.KillProcess, Run(text, 0x4000_0001));
        }
        const string args = "ALLOW { exit } ERRNO(1) { SYSCALL[-1](a, b, c) { a == 1 } } ERRNO(2) { SYSCALL[-1] }";
        Assert.Equal("ERRNO(1)", Decide(args, "-1", 1, 2, 3));
        Assert.Equal("ERRNO(2)", Decide(args, "-1", 2, 3, 4));
    }

    [Fact]
    public void EmptyListsAndBlocks()
    {
        const string text = "POLICY a {} POLICY b { ALLOW {} } USE a, USE b, ALLOW { read(), write {}, close() {} } DEFAULT KILL";
        Assert.Equal("ALLOW", Decide(text, "write", 9));
        Assert.Equal("ALLOW", Decide(text, "read"));
        Assert.Equal("KILL", Decide(text, "open"));
        Assert.StartsWith("<string>:1:18: undefined name 'fd': not an argument of read (no argument names known",
            Error("ALLOW { read() { fd == 0 } }"));
        // Named policies alone: every call gets the default, KILL when there is none.
        Assert.Equal("KILL", Decide("POLICY a { ALLOW { read } }", "read"));
    }

    [Fact]
    public void DefinesRepeatAndComeBeforeArgumentNames()
    {
        Assert.Equal("ERRNO(3)", Decide("# define X 3\n#define X 3\nERRNO(3) { write { fd == X } }", "write", 3));
        // A constant shadows an argument of the same name, as kafel looks constants up first.
        const string shadow = "#define fd 5\nALLOW { write { fd == 5 } } DEFAULT KILL";
        Assert.Equal("ALLOW", Decide(shadow, "write", 0));
        string name = new('n', 300);
        Assert.Equal("ALLOW", Decide($"POLICY {name} {{ ALLOW {{ write({name}) {{ {name} == 1 }} }} }} USE {name} DEFAULT KILL", "write", 1));
    }

    [Fact]
    public void DuplicateRulesAfterAConditionalOneChangeNothing()
    {
        const string text = "ALLOW { read { fd == 1 }, exit }\nALLOW { read }\nALLOW { read }";
        Assert.Equal("ALLOW", Decide(text, "read", 0));
    }

    [Fact]
    public void ScratchMemoryBoundsHowOperandsNest()
    {
        // (a & b) | (c & X): each level holds one word while the next is computed; the filter has 16.
        string Nested(int levels)
        {
            string x = "d";
            for (int i = 0; i < levels; i++) x = $"(a & b) | (c & ({x}))";
            return $"ALLOW {{ SYSCALL[1000](a, b, c, d) {{ {x} == 5 }} }} DEFAULT KILL";
        }
        Probes.Check(PolicyCompiler.CompileText(Nested(15), Arch.X86_64), seed: 3, count: 2000);
        Assert.Equal("<string>:1:38: this comparison needs more than 16 words of the filter's scratch memory: split its operands",
            Error(Nested(17)));
    }

    private static uint Run(string text, int nr) =>
        BpfInterpreter.Run(PolicyCompiler.CompileText(text, Arch.X86_64).Program, SeccompInput.Call(Arches.AuditArchX86_64, nr));
}
