using NsSandbox.Policy.Syscalls;

namespace NsSandbox.Policy.Tests;

/// <summary>`policy check --kafel`: every NsSandbox extension is refused where it stands, so a policy that
/// passes is one nsjail takes unchanged; without the option each of them compiles.</summary>
public class DialectTests
{
    private static readonly PolicyOptions Kafel = new() { Kafel = true };

    private static CompiledPolicy Compile(string text, PolicyOptions? options = null) =>
        PolicyCompiler.Compile(PolicySource.FromText(text), Arch.X86_64, options);

    [Theory]
    [InlineData("ALLOW { open ON x86_64 }", "<string>:1:14: ON (rules for some architectures)")]
    [InlineData("POLICY a {} POLICY b {} USE a, b DEFAULT KILL", "<string>:1:32: 'USE a, b' (kafel writes 'USE a, USE b')")]
    [InlineData("#define E 1\nERRNO(E) { read }", "<string>:2:7: 'ERRNO(NAME)' (kafel takes a number literal here)")]
    [InlineData("#define N 1\nALLOW { SYSCALL[N] }", "<string>:2:17: 'SYSCALL[NAME]' (kafel takes a number literal here)")]
    [InlineData("#define A 1\n#define B A", "<string>:2:11: '#define NAME NAME' (kafel takes a number literal here)")]
    [InlineData("ALLOW { uname }", "<string>:1:9: the name 'uname' (kafel knows this syscall as newuname)")]
    [InlineData("ALLOW { read { fd == 0X1 } }", "<string>:1:22: the number '0X1' (kafel writes 0x, 0b and a '-' only before a decimal)")]
    [InlineData("ALLOW { read { fd == -0x1 } }", "<string>:1:22: the number '-0x1' (kafel writes 0x, 0b and a '-' only before a decimal)")]
    [InlineData("#define _X 1", "<string>:1:9: the name '_X' (kafel's names start with a letter)")]
    [InlineData("ALLOW { read, }", "<string>:1:13: a ',' before '}'")]
    [InlineData("POLICY a { ALLOW { read }, }", "<string>:1:26: a ',' before '}'")]
    [InlineData("ALLOW { read { fd == 1, } }", "<string>:1:23: a ',' before '}'")]
    [InlineData("ALLOW { read }; DEFAULT KILL", "<string>:1:15: ';' here (kafel allows a ',' only between USE and action blocks)")]
    [InlineData("ALLOW { read }, DEFAULT KILL", "<string>:1:15: ',' here (kafel allows a ',' only between USE and action blocks)")]
    [InlineData(", ALLOW { read }", "<string>:1:1: ',' here (kafel allows a ',' only between USE and action blocks)")]
    [InlineData("POLICY a { ALLOW { read } }, POLICY b { }", "<string>:1:28: ',' here (kafel allows a ',' only between USE and action blocks)")]
    public void EachExtensionIsRefusedUnderKafel(string text, string expected)
    {
        Assert.NotNull(Compile(text));
        var error = Assert.Throws<PolicyException>(() => Compile(text, Kafel));
        Assert.Equal(expected + " is an NsSandbox extension; kafel (nsjail) rejects it", error.Diagnostic);
    }

    [Theory]
    [InlineData("POLICY sample { ALLOW { write { (buf & fd) <= 0xc267df278caf1f35 } } } USE sample DEFAULT KILL")]
    [InlineData("#define mysyscall -1\nPOLICY my_const { ALLOW { mysyscall } }\nPOLICY my_literal { ALLOW { SYSCALL[-1] } }\nUSE my_const, USE my_literal DEFAULT KILL")]
    [InlineData("ALLOW { exit }\nERRNO(1) { SYSCALL[-1](a, b, c) { a == 1 } }\nERRNO(2) { SYSCALL[-1] }")]
    [InlineData("ALLOW { fcntl { fd == 0x1234 }, exit } DEFAULT KILL")]
    [InlineData("ALLOW { sysctl, umount, newuname, sendfile64 }, ERRNO(1) { read } DEFAULT ERRNO(1)")]
    [InlineData("#define PROT_EXEC 4\nALLOW { mmap { (prot & PROT_EXEC) == 0 }, open { flags == 0x80000|0 } }")]
    public void KafelsOwnFormsPass(string text) => Assert.NotNull(Compile(text, Kafel));
}
