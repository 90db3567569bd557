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
    [InlineData("ALLOW { lseek { (fd & offset) == 1 } }", "<string>:1:23: an operand may use one argument only: combine an argument with constants (x & MASK, x | BITS)")]
    [InlineData("ALLOW { write { fd == 99999999999999999999 } }", "<string>:1:23: invalid number '99999999999999999999' (expected decimal, 0x hex, 0 octal or 0b binary, at most 64 bits)")]
    [InlineData("ALLOW { write { fd == 09 } }", "<string>:1:23: invalid number '09' (expected decimal, 0x hex, 0 octal or 0b binary, at most 64 bits)")]
    [InlineData("ALLOW { write { fd == 12ab } }", "<string>:1:23: invalid number '12ab' (expected decimal, 0x hex, 0 octal or 0b binary, at most 64 bits)")]
    [InlineData("ALLOW { read } /* never closed", "<string>:1:16: unterminated block comment: expected '*/' before the end of the file")]
    [InlineData("#include \"a.policy", "<string>:1:10: unterminated string: expected '\"' before the end of the line")]
    [InlineData("#include", "<string>:1:1: expected a quoted file name after #include")]
    [InlineData("#include x", "<string>:1:10: expected a quoted file name or the end of the #include line, found 'x'")]
    [InlineData("#pragma once", "<string>:1:1: unknown directive '#pragma' (expected #define or #include)")]
    [InlineData("ALLOW { read } $", "<string>:1:16: unexpected character '$'")]
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
    [InlineData("#define A 1\n#define A 2", "<string>:2:1: 'A' is already defined at <string>:1:1")]
    [InlineData("ALLOW { read } DEFAULT KILL DEFAULT ALLOW", "<string>:1:29: DEFAULT is given twice; the first is at <string>:1:16")]
    [InlineData("ERRNO(65536) { read }", "<string>:1:7: ERRNO(65536) is out of range: expected 0..65535")]
    [InlineData("TRAP(-1) { read }", "<string>:1:6: TRAP(-1) is out of range: expected 0..65535")]
    [InlineData("ALLOW { SYSCALL[0x100000000] }", "<string>:1:17: syscall number 4294967296 is out of range: expected 0..4294967295")]
    [InlineData("ALLOW { write { fdd == 1 } }", "<string>:1:17: undefined name 'fdd': not an argument of write (fd, buf, count) nor a #define")]
    [InlineData("ALLOW { SYSCALL[999] { a == 1 } }", "<string>:1:24: undefined name 'a': not an argument of SYSCALL[999] (no argument names known: declare them, SYSCALL[999](a, b) { ... }) nor a #define")]
    [InlineData("ALLOW { write(a, a) }", "<string>:1:18: argument 'a' is declared twice for write")]
    [InlineData("POLICY a { ALLOW { read } }", "<string>:1:1: the policy has no top-level rules: add an action block, or USE a policy (USE name DEFAULT KILL)")]
    public void SemanticErrors(string text, string expected) => Assert.Equal(expected, Error(text));

    [Fact]
    public void UnknownNamesDependOnTheArchitecture() =>
        Assert.StartsWith("<string>:1:9: unknown syscall 'open' on aarch64", Error("ALLOW { open }", Arch.Aarch64));

    [Fact]
    public void DeepNestingIsAnErrorNotAStackOverflow()
    {
        string deep = "ALLOW { write { " + new string('(', 5000) + "fd == 1" + new string(')', 5000) + " } }";
        Assert.Equal("<string>:1:217: condition nested too deeply (more than 200 levels of '(' or '!')", Error(deep));
        string bangs = "ALLOW { write { " + new string('!', 100000) + "fd == 1 } }";
        Assert.Contains("nested too deeply", Error(bangs));
        // Long flat chains are not nesting: they compile (up to the instruction limit).
        string chain = "ALLOW { write { " + string.Join(" && ", Enumerable.Repeat("fd != 7", 1000)) + " } }";
        Assert.NotNull(PolicyCompiler.CompileText(chain, Arch.X86_64));
    }

    [Fact]
    public void TheInstructionLimitIsReportedWithHowFarOver()
    {
        string text = "ALLOW { write { " + string.Join(", ", Enumerable.Range(0, 3000).Select(i => $"fd == {i}")) + " } }";
        Assert.Matches(@"^<string>:1:1: the compiled program has \d+ instructions, \d+ over the kernel's limit of 4096: use fewer argument conditions or merge rules$", Error(text));
    }
}
