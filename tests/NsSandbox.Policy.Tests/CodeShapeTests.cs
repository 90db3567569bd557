using NsSandbox.Policy.Bpf;
using NsSandbox.Policy.Syscalls;

namespace NsSandbox.Policy.Tests;

/// <summary>The shape of generated programs: merged ranges, single numbers peeled, shared returns, read and write
/// near the root, far jumps, what the listing shows.</summary>
public class CodeShapeTests(ITestOutputHelper output)
{
    [Fact]
    public void AdjacentEqualActionsMergeIntoOneRange()
    {
        // read, write, open, close are 0..3 on x86_64: one range, one comparison, after the x32 check. One
        // KILL_PROCESS return serves the x32 and the architecture checks.
        var compiled = PolicyCompiler.CompileText("ALLOW { read, write, open, close } DEFAULT KILL", Arch.X86_64);
        Assert.Equal("""
            0: ld   [4]                           ; arch
            1: jeq  #0xc000003e   jt 2    jf 4    ; x86_64
            2: ld   [0]                           ; nr
            3: jset #0x40000000   jt 4    jf 5
            4: ret  #0x80000000                   ; KILL_PROCESS
            5: jge  #4            jt 7    jf 6    ; newstat
            6: ret  #0x7fff0000                   ; ALLOW
            7: ret  #0                            ; KILL_THREAD

            """, BpfListing.Format(compiled.Program, Arch.X86_64));
        // A rule whose action is the default's merges with the default ranges around it.
        Assert.Equal(compiled.Program, PolicyCompiler.CompileText("ALLOW { read, write } ALLOW { open, close } KILL { stat, fstat } DEFAULT KILL", Arch.X86_64).Program);
        Assert.Equal(
            PolicyCompiler.CompileText("ALLOW { read }", Arch.X86_64).Program,
            PolicyCompiler.CompileText("ALLOW { read } KILL { write } DENY { close }", Arch.X86_64).Program);
    }

    [Fact]
    public void NeighboursWithTheSameConditionsShareOneRange()
    {
        // read (0) and write (1): the same tests on fd, so one range [0, 2) and one copy of them.
        var merged = PolicyCompiler.CompileText("ALLOW { read { fd == 1 || (fd > 7 && fd != 9) }, write { fd == 1 || (fd > 7 && fd != 9) } } DEFAULT KILL", Arch.X86_64);
        Assert.Single(merged.Program, i => i.Code == BpfOp.JgeK);
        Probes.Check(merged, seed: 4);
        // Tests that differ in a constant, or in an argument's width, keep their own ranges.
        var apart = PolicyCompiler.CompileText("ALLOW { read { fd == 1 || (fd > 7 && fd != 9) }, write { fd == 1 || (fd > 7 && fd != 8) } } DEFAULT KILL", Arch.X86_64);
        Assert.Equal(2, apart.Program.Count(i => i.Code == BpfOp.JgeK));
        Probes.Check(apart, seed: 4);
        var widths = PolicyCompiler.CompileText("ALLOW { read(a) { a == 1 }, write(a) { a == 1 } } DEFAULT KILL", Arch.X86_64);
        Assert.Single(widths.Program, i => i.Code == BpfOp.JgeK);
        var differentWidths = PolicyCompiler.CompileText("ALLOW { close(a) { a == 1 }, newstat(a) { a == 1 } } DEFAULT KILL", Arch.X86_64);
        Assert.Equal(3, differentWidths.Program.Count(i => i.Code == BpfOp.JgeK)); // close's fd is 32 bits, stat's filename 64: [3,4) and [4,5) stay apart
        Probes.Check(differentWidths, seed: 4);
    }

    [Fact]
    public void DifferentActionsAndConditionsAreNeverMerged()
    {
        var compiled = PolicyCompiler.CompileText("ALLOW { read, close } ERRNO(1) { write } LOG { open { flags == 0 } } DEFAULT KILL", Arch.X86_64);
        Assert.Equal(4, compiled.Program.Count(i => i.Code == BpfOp.JgeK)); // ranges [0,1) [1,2) [2,3) [3,4) [4,..)
        Probes.Check(compiled, seed: 5);
    }

    [Fact]
    public void ScatteredCallsCostAboutOneComparisonEach()
    {
        // Every even number allowed: 401 ranges. The 199 allowed numbers between two killed ranges are peeled,
        // one jeq each instead of two range boundaries, two to a leaf; returns are shared. The old search took
        // 9 comparisons at most, after the x32 jset and the read check: no call takes more now.
        string text = "ALLOW { " + string.Join(", ", Enumerable.Range(0, 200).Select(n => $"SYSCALL[{2 * n}]")) + " }";
        var compiled = PolicyCompiler.CompileText(text, Arch.X86_64);
        int worst = 0;
        for (int nr = 0; nr < 450; nr++)
        {
            BpfInterpreter.RunValidated(compiled.Program, SeccompInput.Call(Arches.AuditArchX86_64, nr), out int executed);
            worst = Math.Max(worst, executed);
        }
        output.WriteLine($"{compiled.Program.Count} instructions, at most {worst} executed");
        Assert.InRange(compiled.Program.Count, 200, 320);
        Assert.InRange(worst, 3 + 1, 5 + 1 + 9 + 1);
        Probes.Check(compiled, seed: 6);
    }

    [Theory]
    [InlineData(Arch.X86_64, 6, 7, 11, 11)]
    [InlineData(Arch.Aarch64, 5, 6, 10, 10)]
    public void HotCallsTakeNoMoreThanInTheOldLayout(Arch arch, int read, int write, int futex, int getppid)
    {
        // The old layout (x86_64's x32 jset, a jeq for read and one for write, then a balanced search) decided
        // this policy's read, write, futex and getppid in these many instructions; libseccomp's linear filter
        // takes 6 for read. The new one may take no more.
        string text = "ALLOW { read, write, getppid, openat, close, futex, mmap, brk } ERRNO(1) { ptrace } DEFAULT KILL";
        var compiled = PolicyCompiler.CompileText(text, arch);
        var table = SyscallTable.For(arch);
        int Executed(string name)
        {
            Assert.True(table.TryLookup(name, out var call));
            BpfInterpreter.RunValidated(compiled.Program, SeccompInput.Call(Arches.AuditArch(arch), call.Number), out int executed);
            return executed;
        }
        Assert.InRange(Executed("read"), 4, read);
        Assert.InRange(Executed("write"), 4, write);
        Assert.InRange(Executed("futex"), 4, futex);
        Assert.InRange(Executed("getppid"), 4, getppid);
        Probes.Check(compiled, seed: 8);
        // With an argument test of its own, read's tests follow its place in the search.
        var tested = PolicyCompiler.CompileText("ALLOW { read { fd == 0 }, write, getppid, openat, close, futex, mmap, brk } DEFAULT KILL", arch);
        Probes.Check(tested, seed: 9);
    }

    [Fact]
    public void JumpsFartherThan255GoThroughTrampolines()
    {
        // read's 300 conditions put both its shared ALLOW return and the search's branch to write's rules far away.
        string conditions = string.Join(", ", Enumerable.Range(0, 300).Select(i => $"read {{ count == {i * 3} }}"));
        string text = $"ALLOW {{ {conditions}, write {{ fd == 1 }} }} ERRNO(5) {{ close }} DEFAULT KILL";
        foreach (var arch in Arches.All)
        {
            var compiled = PolicyCompiler.CompileText(text, arch);
            Assert.True(compiled.Program.Count > 600, $"{compiled.Program.Count} instructions");
            Assert.Contains(compiled.Program, i => i.Code == BpfOp.JmpJa && i.K > 255);
            var seen = Probes.Check(compiled, seed: 7, count: 5000);
            int nr = Policies.Number(arch, "read");
            foreach (ulong count in new ulong[] { 0, 3, 447, 897, 898, 1 })
                Assert.Equal(count % 3 == 0 && count < 900 ? SeccompRet.Allow : SeccompRet.KillThread,
                    BpfInterpreter.Run(compiled.Program, SeccompInput.Call(Arches.AuditArch(arch), nr, 0, 0, count)));
        }
    }

    [Fact]
    public void SixtyFourBitArgumentsCompareBothHalves()
    {
        // lseek's offset is 64 bits: 0x1_0000_0005 is not 5.
        var compiled = PolicyCompiler.CompileText("ALLOW { lseek { offset == 5 } }", Arch.X86_64);
        int nr = Policies.Number(Arch.X86_64, "lseek");
        Assert.Equal(SeccompRet.Allow, BpfInterpreter.Run(compiled.Program, SeccompInput.Call(Arches.AuditArchX86_64, nr, 0, 5)));
        Assert.Equal(SeccompRet.KillThread, BpfInterpreter.Run(compiled.Program, SeccompInput.Call(Arches.AuditArchX86_64, nr, 0, 0x1_0000_0005)));
        string listing = BpfListing.Format(compiled.Program, Arch.X86_64);
        Assert.Contains("; args[1].hi", listing);
        Assert.Contains("; args[1].lo", listing);
    }
}
