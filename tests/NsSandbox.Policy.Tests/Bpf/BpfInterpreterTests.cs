using NsSandbox.Policy.Bpf;
using static NsSandbox.Policy.Bpf.BpfOp;
using static NsSandbox.Policy.Tests.Bpf.Programs;

namespace NsSandbox.Policy.Tests.Bpf;

public class BpfInterpreterTests
{
    private static readonly SeccompInput Sample = new(
        Nr: 257, Arch: 0xC000003E, InstructionPointer: 0x1111_2222_3333_4444,
        Arg0: 0xaaaa_0000_0000_0001, Arg1: 2, Arg2: 0xffff_ffff_0000_0003, Arg3: 4, Arg4: 5, Arg5: 0x6666_0000_7777_0006);

    [Theory]
    [InlineData(0u, 257u)]
    [InlineData(4u, 0xC000003Eu)]
    [InlineData(8u, 0x3333_4444u)]
    [InlineData(12u, 0x1111_2222u)]
    [InlineData(16u, 1u)]
    [InlineData(20u, 0xaaaa_0000u)]
    [InlineData(24u, 2u)]
    [InlineData(32u, 3u)]
    [InlineData(36u, 0xffff_ffffu)]
    [InlineData(56u, 0x7777_0006u)]
    [InlineData(60u, 0x6666_0000u)]
    public void Ld_abs_reads_each_word_of_seccomp_data(uint offset, uint expected)
    {
        Assert.Equal(expected, RunForA(Sample, Stmt(LdAbsW, offset)));
    }

    [Fact]
    public void Offsets_name_the_argument_halves()
    {
        for (var i = 0; i < 6; i++)
        {
            Assert.Equal((uint)Sample.Arg(i), RunForA(Sample, Stmt(LdAbsW, (uint)SeccompData.ArgLowOffset(i))));
            Assert.Equal((uint)(Sample.Arg(i) >> 32), RunForA(Sample, Stmt(LdAbsW, (uint)SeccompData.ArgHighOffset(i))));
        }
        Assert.Throws<ArgumentOutOfRangeException>(() => SeccompData.ArgLowOffset(6));
        Assert.Throws<ArgumentOutOfRangeException>(() => Sample.Arg(-1));
    }

    [Fact]
    public void Negative_syscall_numbers_load_as_their_32_bit_pattern()
    {
        Assert.Equal(0xffff_ffffu, RunForA(Call(-1), Stmt(LdAbsW, 0)));
    }

    [Fact]
    public void Ld_and_ldx_immediate_memory_and_length()
    {
        Assert.Equal(42u, RunForA(Stmt(LdImm, 42)));
        Assert.Equal(64u, RunForA(Stmt(Ld | W | Len, 0)));
        Assert.Equal(7u, RunForA(Stmt(LdxImm, 7), Stmt(Misc | Txa, 0)));
        Assert.Equal(64u, RunForA(Stmt(Ldx | W | Len, 0), Stmt(Misc | Txa, 0)));
    }

    [Fact]
    public void St_stx_and_memory_loads_use_sixteen_slots()
    {
        Assert.Equal(9u, RunForA(Stmt(LdImm, 9), Stmt(St, 15), Stmt(LdImm, 0), Stmt(LdMem, 15)));
        Assert.Equal(5u, RunForA(Stmt(LdxImm, 5), Stmt(Stx, 3), Stmt(LdxImm, 0), Stmt(LdxMem, 3), Stmt(Misc | Txa, 0)));
        Assert.Equal(1u, RunForA(Stmt(LdImm, 1), Stmt(St, 0), Stmt(LdImm, 2), Stmt(St, 1), Stmt(LdMem, 0)));
    }

    [Theory]
    [InlineData(Add, 0xffff_fffeu, 3u, 1u)]
    [InlineData(Sub, 1u, 2u, 0xffff_ffffu)]
    [InlineData(Mul, 0x1_0000u, 0x1_0001u, 0x1_0000u)]
    [InlineData(Div, 100u, 7u, 14u)]
    [InlineData(Or, 0xf0u, 0x0fu, 0xffu)]
    [InlineData(And, 0xf0u, 0x3cu, 0x30u)]
    [InlineData(Xor, 0xf0u, 0x3cu, 0xccu)]
    [InlineData(Lsh, 1u, 31u, 0x8000_0000u)]
    [InlineData(Rsh, 0x8000_0000u, 31u, 1u)]
    public void Alu_operations_are_32_bit_with_k_and_with_x(ushort op, uint a, uint operand, uint expected)
    {
        Assert.Equal(expected, RunForA(Stmt(LdImm, a), Stmt((ushort)(Alu | op | K), operand)));
        Assert.Equal(expected, RunForA(Stmt(LdxImm, operand), Stmt(LdImm, a), Stmt((ushort)(Alu | op | X), 0)));
    }

    [Fact]
    public void Neg_negates_a()
    {
        Assert.Equal(0xffff_fffbu, RunForA(Stmt(LdImm, 5), Stmt(Alu | Neg, 0)));
    }

    [Fact]
    public void Division_by_a_zero_x_ends_the_filter_with_zero()
    {
        var program = new[] { Stmt(LdxImm, 0), Stmt(LdImm, 10), Stmt(Alu | Div | X, 0), Return(SeccompRet.Allow) };
        Assert.Equal(0u, BpfInterpreter.Run(program, Call(0)));
    }

    [Fact]
    public void Shifts_by_x_use_the_low_five_bits()
    {
        Assert.Equal(2u, RunForA(Stmt(LdxImm, 33), Stmt(LdImm, 1), Stmt(Alu | Lsh | X, 0)));
    }

    [Theory]
    [InlineData(Jeq, 5u, 5u, true)]
    [InlineData(Jeq, 5u, 6u, false)]
    [InlineData(Jgt, 6u, 5u, true)]
    [InlineData(Jgt, 5u, 5u, false)]
    [InlineData(Jgt, 0xffff_ffffu, 1u, true)] // unsigned
    [InlineData(Jge, 5u, 5u, true)]
    [InlineData(Jge, 4u, 5u, false)]
    [InlineData(Jset, 0b1010u, 0b0010u, true)]
    [InlineData(Jset, 0b1010u, 0b0101u, false)]
    public void Conditional_jumps_with_k_and_with_x(ushort op, uint a, uint operand, bool taken)
    {
        var expected = taken ? 1u : 2u;
        BpfInstruction[] withK = [Stmt(LdImm, a), Jump((ushort)(Jmp | op | K), operand, 0, 1), Return(1), Return(2)];
        BpfInstruction[] withX =
            [Stmt(LdxImm, operand), Stmt(LdImm, a), Jump((ushort)(Jmp | op | X), 0, 0, 1), Return(1), Return(2)];
        Assert.Equal(expected, BpfInterpreter.Run(withK, Call(0)));
        Assert.Equal(expected, BpfInterpreter.Run(withX, Call(0)));
    }

    [Fact]
    public void Jumps_are_relative_to_the_next_instruction()
    {
        BpfInstruction[] program =
        [
            Stmt(LdAbsW, 0),
            Jump(JeqK, 1, 3, 0),    // nr 1 -> 5
            Jump(JeqK, 2, 0, 1),    // nr 2 -> 3, else 4
            Return(20),
            Stmt(JmpJa, 1),         // -> 6
            Return(10),
            Return(30),
        ];
        Assert.Equal(10u, BpfInterpreter.Run(program, Call(1)));
        Assert.Equal(20u, BpfInterpreter.Run(program, Call(2)));
        Assert.Equal(30u, BpfInterpreter.Run(program, Call(3)));
    }

    [Fact]
    public void Ret_returns_k_or_a()
    {
        Assert.Equal(SeccompRet.Errno | 13, BpfInterpreter.Run([Return(SeccompRet.Errno | 13)], Call(0)));
        Assert.Equal(0x7fff_0000u, BpfInterpreter.Run([Stmt(LdImm, 0x7fff_0000), Stmt(RetA, 0)], Call(0)));
    }

    [Fact]
    public void Tax_and_txa_copy_between_registers()
    {
        Assert.Equal(8u, RunForA(Stmt(LdImm, 8), Stmt(Misc | Tax, 0), Stmt(LdImm, 0), Stmt(Misc | Txa, 0)));
    }

    [Fact]
    public void Registers_start_at_zero()
    {
        Assert.Equal(0u, RunForA());
        Assert.Equal(0u, RunForA(Stmt(Misc | Txa, 0)));
    }

    [Fact]
    public void Run_refuses_an_invalid_program()
    {
        var e = Assert.Throws<BpfValidationException>(() => BpfInterpreter.Run([Stmt(LdImm, 1)], Call(0)));
        Assert.Equal(0, e.Index);
    }

    [Fact]
    public void A_small_policy_decides_by_arch_number_and_argument()
    {
        // write(fd == 1) allowed, other writes EPERM, anything else killed; other architectures killed.
        BpfInstruction[] program =
        [
            Stmt(LdAbsW, SeccompData.ArchOffset),
            Jump(JeqK, 0xC000003E, 1, 0),
            Return(SeccompRet.KillProcess),
            Stmt(LdAbsW, SeccompData.NrOffset),
            Jump(JeqK, 1, 1, 0),
            Return(SeccompRet.KillThread),
            Stmt(LdAbsW, (uint)SeccompData.ArgLowOffset(0)),
            Jump(JeqK, 1, 0, 1),
            Return(SeccompRet.Allow),
            Return(SeccompRet.Errno | 1),
        ];
        Assert.Equal(SeccompRet.Allow, BpfInterpreter.Run(program, Call(1, 1)));
        Assert.Equal(SeccompRet.Errno | 1, BpfInterpreter.Run(program, Call(1, 2)));
        Assert.Equal(SeccompRet.KillThread, BpfInterpreter.Run(program, Call(0)));
        Assert.Equal(SeccompRet.KillProcess, BpfInterpreter.Run(program, SeccompInput.Call(0xC00000B7, 1, 1)));
    }
}
