using NsSandbox.Policy.Bpf;
using NsSandbox.Policy.Syscalls;
using static NsSandbox.Policy.Bpf.BpfOp;
using static NsSandbox.Policy.Tests.Bpf.Programs;

namespace NsSandbox.Policy.Tests.Bpf;

public class BpfListingTests
{
    private static readonly BpfInstruction[] Policy =
    [
        Stmt(LdAbsW, SeccompData.ArchOffset),
        Jump(JeqK, 0xC000003E, 1, 0),
        Return(SeccompRet.KillProcess),
        Stmt(LdAbsW, SeccompData.NrOffset),
        Jump(JgeK, 0x40000000, 9, 0),
        Jump(JeqK, 1, 2, 0),
        Jump(JeqK, 231, 5, 0),
        Return(SeccompRet.Errno | 1),
        Stmt(LdAbsW, (uint)SeccompData.ArgHighOffset(0)),
        Jump(JeqK, 0, 0, 4),
        Stmt(LdAbsW, (uint)SeccompData.ArgLowOffset(0)),
        Jump(JsetK, 0xfffffffe, 2, 0),
        Return(SeccompRet.Allow),
        Stmt(JmpJa, 0),
        Return(SeccompRet.KillThread),
    ];

    [Fact]
    public void Lists_a_small_policy_with_names_targets_and_actions()
    {
        const string expected = """
             0: ld   [4]                           ; arch
             1: jeq  #0xc000003e   jt 3    jf 2    ; x86_64
             2: ret  #0x80000000                   ; KILL_PROCESS
             3: ld   [0]                           ; nr
             4: jge  #0x40000000   jt 14   jf 5
             5: jeq  #1            jt 8    jf 6    ; write
             6: jeq  #231          jt 12   jf 7    ; exit_group
             7: ret  #0x50001                      ; ERRNO(1)
             8: ld   [20]                          ; args[0].hi
             9: jeq  #0            jt 10   jf 14
            10: ld   [16]                          ; args[0].lo
            11: jset #0xfffffffe   jt 14   jf 12
            12: ret  #0x7fff0000                   ; ALLOW
            13: ja                 goto 14
            14: ret  #0                            ; KILL_THREAD

            """;
        Assert.Equal(expected, BpfListing.Format(Policy, Arch.X86_64));
    }

    [Fact]
    public void Without_an_architecture_numbers_stay_numbers()
    {
        var listing = BpfListing.Format(Policy);
        Assert.Contains(" 5: jeq  #1            jt 8    jf 6\n", listing);
        Assert.DoesNotContain("write", listing);
        Assert.DoesNotContain("x86_64", listing);
        Assert.Contains("; ALLOW", listing);
    }

    [Fact]
    public void Names_follow_the_architecture()
    {
        var listing = BpfListing.Format([Stmt(LdAbsW, 0), Jump(JeqK, 64, 0, 0), Return(0)], Arch.Aarch64);
        Assert.Contains("1: jeq  #64           jt 2    jf 2    ; write", listing);
    }

    [Fact]
    public void Comparisons_after_a_join_of_different_loads_are_not_named()
    {
        // At 4, A holds nr on one path and arch on the other: 64 is not claimed to be a syscall.
        BpfInstruction[] program =
            [Stmt(LdAbsW, 0), Jump(JeqK, 1, 1, 0), Stmt(LdAbsW, 4), Stmt(LdImm, 9), Jump(JeqK, 64, 0, 0), Return(0)];
        var lines = BpfListing.Format(program, Arch.Aarch64).Split('\n');
        Assert.EndsWith("; io_destroy", lines[1]); // still nr here: aarch64's number 1
        Assert.Equal("4: jeq  #64           jt 5    jf 5", lines[4]);
    }

    [Fact]
    public void Lists_every_instruction_kind_and_invalid_ones_without_throwing()
    {
        BpfInstruction[] program =
        [
            Stmt(LdImm, 0x12345), Stmt(Ld | W | Len, 0), Stmt(LdxMem, 3), Stmt(St, 1), Stmt(Stx, 2),
            Stmt(Alu | Add | X, 0), Stmt(Alu | Neg, 0), Stmt(Misc | Tax, 0), Stmt(Misc | Txa, 0),
            Jump(JgtX, 0, 200, 0), new BpfInstruction(0xffff, 1, 2, 3), Stmt(RetA, 0),
        ];
        var lines = BpfListing.Format(program).Split('\n');
        Assert.Equal(
        [
            " 0: ld   #0x12345",
            " 1: ld   #len",
            " 2: ldx  M[3]",
            " 3: st   M[1]",
            " 4: stx  M[2]",
            " 5: add  x",
            " 6: neg",
            " 7: tax",
            " 8: txa",
            " 9: jgt  x             jt 210  jf 10",
            "10: .insn 0xffff 1 2 0x00000003",
            "11: ret  a",
            "",
        ], lines);
    }
}
