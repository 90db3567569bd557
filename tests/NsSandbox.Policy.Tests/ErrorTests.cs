using NsSandbox.Policy.Syscalls;
using static NsSandbox.Policy.Tests.Policies;

namespace NsSandbox.Policy.Tests;

/// <summary>Exact diagnostics: position, the offending token, and what was expected or which name is undefined.</summary>
public class ErrorTests
{
    [Theory]
    [InlineData("ALLOW { read ", "<string>:1:14: expected ',' or '}' after a rule in the ALLOW block, found end of file")]
    [InlineData("ALLOW { , }", "<string>:1:9: expected a syscall name, found ','")]
    [InlineData("ALLOW read", "<string>:1:7: expected '{' after ALLOW, found identifier 'read'")]
    [InlineData("ERRNO { read }", "<string>:1:7: expected '(' after ERRNO: ERRNO(number), found '{'")]
    [InlineData("ERRNO(1 { read }", "<string>:1:9: expected ')' to close ERRNO(, found '{'")]
    [InlineData("ALLOW { write { fd = 1 } }", "<string>:1:20: unexpected '=': comparisons use '=='")]
    [InlineData("ALLOW { write { fd == 1 == 2 } }", "<string>:1:25: comparisons cannot be chained: found a second '=='; use && between comparisons")]
    [InlineData("ALLOW { write { fd == } }", "<string>:1:23: expected an argument name, a number, '(' or '!', found '}'")]
    [InlineData("ALLOW { write { (fd == 1 } }", "<string>:1:26: expected ')' to close '(', found '}'")]
    [InlineData("ALLOW { write { fd } }", "<string>:1:17: expected a comparison, found a value (write 'x != 0' to test a value for non-zero)")]
    [InlineData("ALLOW { write { (fd == 1) & 2 == 2 } }", "<string>:1:18: expected a value, found a condition (comparisons cannot be operands)")]
    [InlineData("ALLOW { write { !fd == 1 && fd } }", "<string>:1:29: expected a comparison, found a value (write 'x != 0' to test a value for non-zero)")]
    [InlineData("ALLOW { write { fd == 99999999999999999999 } }", "<string>:1:23: invalid number '99999999999999999999' (expected decimal, 0x hex, 0 octal or 0b binary, at most 64 bits)")]
    [InlineData("ALLOW { write { fd == 09 } }", "<string>:1:23: invalid number '09' (expected decimal, 0x hex, 0 octal or 0b binary, at most 64 bits)")]
    [InlineData("ALLOW { write { fd == 12ab } }", "<string>:1:23: invalid number '12ab' (expected decimal, 0x hex, 0 octal or 0b binary, at most 64 bits)")]
    [InlineData("ALLOW { read } /* never closed", "<string>:1:16: unterminated block comment: expected '*/' before the end of the file")]
    [InlineData("#include \"a.policy", "<string>:1:10: unterminated string: expected '\"' before the end of the line")]
    [InlineData("#include", "<string>:1:1: expected a quoted file name after #include")]
    [InlineData("#include x", "<string>:1:10: expected a quoted file name or the end of the #include line, found 'x'")]
    [InlineData("#pragma once", "<string>:1:1: unknown directive '#pragma' (expected #define or #include)")]
    [InlineData("ALLOW { read } $", "<string>:1:16: unexpected character '$'")]
    [InlineData("", "<string>:1:1: the policy is empty: expected POLICY, USE, DEFAULT, #define or an action block")]
    [InlineData("POLICY ALLOW { }", "<string>:1:8: expected a policy name after POLICY, found keyword 'ALLOW'")]
    [InlineData("POLICY p { } USE define", "<string>:1:18: expected a policy name after USE, found keyword 'define'")]
    [InlineData("ALLOW { DENY }", "<string>:1:9: expected a syscall name, found keyword 'DENY'")]
    [InlineData("#define SYSCALL 1", "<string>:1:9: expected a name after #define, found keyword 'SYSCALL'")]
    [InlineData("ALLOW { write(KILL) }", "<string>:1:15: expected an argument name, found keyword 'KILL'")]
    [InlineData("ALLOW { write { fd == TRAP } }", "<string>:1:23: expected an argument name, a number, '(' or '!', found keyword 'TRAP'")]
    [InlineData("ALLOW { write { fd == 1 ) }", "<string>:1:25: expected ',' or '}' after a condition, found ')'")]
    [InlineData("ALLOW { write ON { x86_64, amd64 } }", "<string>:1:28: architecture x86_64 is listed twice")]
    [InlineData("read", "<string>:1:1: expected POLICY, USE, DEFAULT, #define or an action block (ALLOW { ... }), found identifier 'read'")]
    [InlineData("POLICY p { #define X 1 }", "<string>:1:12: #define is not allowed inside a policy body; put it before POLICY")]
    [InlineData("POLICY p { DEFAULT KILL }", "<string>:1:12: DEFAULT is not allowed inside a policy body; write it at file scope")]
    [InlineData("POLICY { }", "<string>:1:8: expected a policy name after POLICY, found '{'")]
    [InlineData("DEFAULT read", "<string>:1:9: expected an action after DEFAULT (ALLOW, KILL, ERRNO(n), ...), found identifier 'read'")]
    [InlineData("#define", "<string>:1:8: expected a name after #define, found end of file")]
    [InlineData("#define X {", "<string>:1:11: expected a number for #define X, found '{'")]
    [InlineData("ALLOW { write(a, b, c, d, e, f, g) }", "<string>:1:33: a syscall has at most 6 arguments")]
    [InlineData("ALLOW { write ON sparc }", "<string>:1:18: unknown architecture 'sparc' (expected x86_64 or aarch64)")]
    public void SyntaxErrors(string text, string expected) => Assert.Equal(expected, Error(text));

    [Theory]
    [InlineData("ALLOW { wirte }", "<string>:1:9: unknown syscall 'wirte' on x86_64; did you mean write?")]
    [InlineData("ALLOW { xyzzy_plugh_frobnicate }", "<string>:1:9: unknown syscall 'xyzzy_plugh_frobnicate' on x86_64")]
    [InlineData("USE nothing", "<string>:1:5: undefined policy 'nothing' (a policy may only USE policies defined before it)")]
    [InlineData("POLICY a { USE a }", "<string>:1:16: undefined policy 'a' (a policy may only USE policies defined before it)")]
    [InlineData("POLICY a { ALLOW { read } }\nPOLICY a { ALLOW { read } }", "<string>:2:1: policy 'a' is already defined at <string>:1:1")]
    [InlineData("#define A 1\n#define A 2", "<string>:2:1: 'A' is already defined as 0x1 at <string>:1:1; this #define gives 0x2")]
    [InlineData("ALLOW { read } DEFAULT KILL DEFAULT ALLOW", "<string>:1:29: DEFAULT is given twice; the first is at <string>:1:16")]
    [InlineData("ERRNO(65536) { read }", "<string>:1:7: ERRNO(65536) is out of range: expected 0..65535")]
    [InlineData("TRAP(-1) { read }", "<string>:1:6: TRAP(-1) is out of range: expected 0..65535")]
    [InlineData("ALLOW { SYSCALL[0x100000000] }", "<string>:1:17: syscall number 4294967296 is not a syscall number: expected 0..4294967295 or -2147483648..-1")]
    [InlineData("#define N -2147483649\nALLOW { N }", "<string>:2:9: 'N' = -2147483649 is not a syscall number: expected 0..4294967295 or -2147483648..-1")]
    [InlineData("ALLOW { write { fd < 0x100000000 } }", "<string>:1:22: 0x100000000 does not fit in 32 bits, the width of fd of write: the kernel reads only the low 32 bits of that argument (use 0..0xffffffff or -2147483648..-1)")]
    [InlineData("#define BIG 0x100000001\nALLOW { write { 1 == fd && fd != BIG } }", "<string>:2:34: BIG (0x100000001) does not fit in 32 bits, the width of fd of write: the kernel reads only the low 32 bits of that argument (use 0..0xffffffff or -2147483648..-1)")]
    [InlineData("ALLOW { close { (fd & 0xffffffff00000000) == 0 } }", "<string>:1:23: 0xffffffff00000000 does not fit in 32 bits, the width of fd of close: the kernel reads only the low 32 bits of that argument (use 0..0xffffffff or -2147483648..-1)")]
    [InlineData("ALLOW { write { fdd == 1 } }", "<string>:1:17: undefined name 'fdd': not an argument of write (fd, buf, count) nor a #define")]
    [InlineData("ALLOW { SYSCALL[999] { a == 1 } }", "<string>:1:24: undefined name 'a': not an argument of SYSCALL[999] (no argument names known: declare them, SYSCALL[999](a, b) { ... }) nor a #define")]
    [InlineData("ALLOW { write(a, a) }", "<string>:1:18: argument 'a' is declared twice for write")]
    public void SemanticErrors(string text, string expected) => Assert.Equal(expected, Error(text));

    [Fact]
    public void UnknownNamesDependOnTheArchitecture() =>
        Assert.StartsWith("<string>:1:9: unknown syscall 'open' on aarch64", Error("ALLOW { open }", Arch.Aarch64));

    [Fact]
    public void ConditionsNestAsDeepAsKafelAllows()
    {
        // Parentheses add no depth, as in kafel: any number of them compiles, without deepening the stack.
        string parens = "ALLOW { write { " + new string('(', 100_000) + "fd == 1" + new string(')', 100_000) + " } }";
        Assert.Equal("ALLOW", Decide(parens + " DEFAULT KILL", "write", 1));
        // Operators do: kafel's limit is 200 levels, and a chain "a && b && c" is two of them.
        string Chain(int n) => "ALLOW { write { " + string.Join(" && ", Enumerable.Repeat("fd != 7", n)) + " } }";
        Assert.NotNull(PolicyCompiler.CompileText(Chain(200), Arch.X86_64));
        Assert.Equal("<string>:1:17: condition nested too deeply: more than 200 levels of operators (kafel's limit; parentheses do not count)",
            Error(Chain(201)));
        string bangs = "ALLOW { write { " + new string('!', 100_000) + "fd == 1 } }";
        Assert.Contains("nested too deeply", Error(bangs));
        // Each '!' is a level over the comparison's one: 199 of them compile, the 200th is refused where it stands.
        Assert.NotNull(PolicyCompiler.CompileText("ALLOW { write { " + new string('!', 199) + "fd == 1 } }", Arch.X86_64));
        Assert.Equal("<string>:1:17: condition nested too deeply: more than 200 levels of operators (kafel's limit; parentheses do not count)",
            Error("ALLOW { write { " + new string('!', 200) + "fd == 1 } }"));
    }

    [Fact]
    public void TheInstructionLimitIsReportedWithHowFarOver()
    {
        string text = "ALLOW { " + string.Join(", ", Enumerable.Range(0, 3000).Select(i => $"write {{ fd == {i} }}")) + " }";
        Assert.Matches(@"^<string>:1:1: the compiled program has \d+ instructions, \d+ over the kernel's limit of 4096: use fewer argument conditions or merge rules$", Error(text));
    }
}
