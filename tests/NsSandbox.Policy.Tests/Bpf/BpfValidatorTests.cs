using NsSandbox.Policy.Bpf;
using static NsSandbox.Policy.Bpf.BpfOp;
using static NsSandbox.Policy.Tests.Bpf.Programs;

namespace NsSandbox.Policy.Tests.Bpf;

public class BpfValidatorTests
{
    private static BpfValidationException Rejected(params BpfInstruction[] program) =>
        Assert.Throws<BpfValidationException>(() => BpfInterpreter.Validate(program));

    [Fact]
    public void Accepts_every_allowed_instruction()
    {
        BpfInstruction[] program =
        [
            Stmt(LdAbsW, 60), Stmt(LdImm, 1), Stmt(Ld | W | Len, 0), Stmt(LdxImm, 2), Stmt(Ldx | W | Len, 0),
            Stmt(St, 0), Stmt(Stx, 15), Stmt(LdMem, 0), Stmt(LdxMem, 15),
            Stmt(Alu | Add | K, 1), Stmt(Alu | Sub | K, 1), Stmt(Alu | Mul | K, 1), Stmt(Alu | Div | K, 1),
            Stmt(Alu | And | K, 1), Stmt(Alu | Or | K, 1), Stmt(Alu | Xor | K, 1), Stmt(Alu | Lsh | K, 31),
            Stmt(Alu | Rsh | K, 31), Stmt(Alu | Neg, 0),
            Stmt(Alu | Add | X, 0), Stmt(Alu | Sub | X, 0), Stmt(Alu | Mul | X, 0), Stmt(Alu | Div | X, 0),
            Stmt(Alu | And | X, 0), Stmt(Alu | Or | X, 0), Stmt(Alu | Xor | X, 0), Stmt(Alu | Lsh | X, 0),
            Stmt(Alu | Rsh | X, 0), Stmt(Misc | Tax, 0), Stmt(Misc | Txa, 0),
            Stmt(JmpJa, 0), Jump(JeqK, 0, 0, 0), Jump(JgtK, 0, 0, 0), Jump(JgeK, 0, 0, 0), Jump(JsetK, 0, 0, 0),
            Jump(JeqX, 0, 0, 0), Jump(JgtX, 0, 0, 0), Jump(JgeX, 0, 0, 0), Jump(JsetX, 0, 0, 0),
            Jump(JeqK, 0, 0, 1), Return(SeccompRet.Allow), Stmt(RetA, 0),
        ];
        BpfInterpreter.Validate(program);
    }

    [Fact]
    public void Rejects_an_empty_program()
    {
        Assert.Contains("empty", Rejected().Message);
    }

    [Fact]
    public void Rejects_more_than_4096_instructions()
    {
        var limit = Enumerable.Repeat(Return(0), 4096).ToArray();
        BpfInterpreter.Validate(limit);
        var e = Rejected([.. limit, Return(0)]);
        Assert.Equal(4096, e.Index);
        Assert.Contains("4097", e.Message);
    }

    [Fact]
    public void Rejects_a_program_not_ending_in_ret()
    {
        var e = Rejected(Stmt(LdAbsW, 0), Jump(JeqK, 1, 0, 0), Stmt(LdImm, 0));
        Assert.Equal(2, e.Index);
        Assert.Contains("return", e.Message);
    }

    [Fact]
    public void Rejects_jumps_past_the_end()
    {
        Assert.Equal(1, Rejected(Stmt(LdAbsW, 0), Jump(JeqK, 1, 1, 0), Return(0)).Index);
        Assert.Equal(1, Rejected(Stmt(LdAbsW, 0), Jump(JeqK, 1, 0, 1), Return(0)).Index);
        Assert.Equal(0, Rejected(Stmt(JmpJa, 1), Return(0)).Index);
    }

    [Fact]
    public void Rejects_backward_jumps_which_only_an_offset_wrapping_round_could_express()
    {
        // A ja of 0xffffffff would go back to itself on a 32-bit pc: the kernel refuses it as out of range.
        var e = Rejected(Stmt(LdImm, 0), Stmt(JmpJa, uint.MaxValue), Return(0));
        Assert.Equal(1, e.Index);
        Assert.Contains("past the end", e.Message);
    }

    [Theory]
    [InlineData(64u)]
    [InlineData(2u)]
    [InlineData(0xffff_fffcu)]
    public void Rejects_loads_outside_seccomp_data_or_unaligned(uint offset)
    {
        var e = Rejected(Stmt(LdImm, 0), Stmt(LdAbsW, offset), Return(0));
        Assert.Equal(1, e.Index);
        Assert.Contains("offset", e.Message);
    }

    [Theory]
    [InlineData((ushort)(Ld | H | Abs))]   // half-word and byte loads: not seccomp
    [InlineData((ushort)(Ld | B | Abs))]
    [InlineData((ushort)(Ld | W | Ind))]
    [InlineData((ushort)(Ldx | W | Abs))]
    [InlineData((ushort)(Ldx | B | Msh))]
    [InlineData((ushort)(Alu | Mod | K))]  // classic BPF has it, seccomp does not
    [InlineData((ushort)(Alu | 0xf0))]      // an ALU operation number that does not exist
    [InlineData((ushort)(Ret | X))]
    [InlineData((ushort)(Misc | 0x08))]
    [InlineData((ushort)0xffff)]
    public void Rejects_opcodes_outside_the_seccomp_subset(ushort code)
    {
        var e = Rejected(Stmt(LdImm, 0), new BpfInstruction(code, 0, 0, 1), Return(0));
        Assert.Equal(1, e.Index);
        Assert.Contains("not allowed", e.Message);
    }

    [Fact]
    public void Rejects_division_by_constant_zero_and_wide_shifts()
    {
        Assert.Equal(1, Rejected(Stmt(LdImm, 1), Stmt(Alu | Div | K, 0), Return(0)).Index);
        Assert.Equal(1, Rejected(Stmt(LdImm, 1), Stmt(Alu | Lsh | K, 32), Return(0)).Index);
        Assert.Equal(1, Rejected(Stmt(LdImm, 1), Stmt(Alu | Rsh | K, 32), Return(0)).Index);
    }

    [Fact]
    public void Rejects_memory_slots_out_of_range()
    {
        Assert.Equal(0, Rejected(Stmt(St, 16), Return(0)).Index);
        Assert.Equal(0, Rejected(Stmt(Stx, 16), Return(0)).Index);
        Assert.Equal(1, Rejected(Stmt(St, 0), Stmt(LdMem, 16), Return(0)).Index);
    }

    [Fact]
    public void Rejects_reading_a_slot_not_written_on_every_path()
    {
        Assert.Equal(0, Rejected(Stmt(LdMem, 0), Return(0)).Index);
        // Slot 2 written only when the branch falls through: the join at 4 may see it unwritten.
        var e = Rejected(
            Stmt(LdAbsW, 0), Jump(JeqK, 1, 1, 0), Stmt(St, 2), Stmt(LdxMem, 2), Return(0));
        Assert.Equal(3, e.Index);
        Assert.Contains("slot 2", e.Message);
        // Written on both paths: accepted.
        BpfInterpreter.Validate(
            [Stmt(LdAbsW, 0), Jump(JeqK, 1, 0, 2), Stmt(St, 2), Stmt(JmpJa, 1), Stmt(St, 2), Stmt(LdMem, 2), Return(0)]);
    }

    [Fact]
    public void The_message_names_the_instruction()
    {
        var e = Rejected(Return(0), Stmt(LdAbsW, 3), Return(0));
        Assert.StartsWith("instruction 1: ", e.Message);
        Assert.Equal(1, e.Index);
    }
}
