using NsSandbox.Policy.Bpf;
using static NsSandbox.Policy.Bpf.BpfOp;
using static NsSandbox.Policy.Tests.Bpf.Programs;

namespace NsSandbox.Policy.Tests.Bpf;

public class BpfCodecTests
{
    [Fact]
    public void Encodes_struct_sock_filter_little_endian()
    {
        var bytes = BpfCodec.ToBytes([Jump(JeqK, 0xC000003E, 1, 2), Return(SeccompRet.Allow)]);
        Assert.Equal(
            new byte[] { 0x15, 0x00, 0x01, 0x02, 0x3e, 0x00, 0x00, 0xc0, 0x06, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0x7f },
            bytes);
    }

    [Fact]
    public void Round_trips_every_field()
    {
        var random = new Random(1234);
        var program = Enumerable.Range(0, 300)
            .Select(_ => new BpfInstruction((ushort)random.Next(0, 0x10000), (byte)random.Next(0, 256),
                (byte)random.Next(0, 256), (uint)random.NextInt64(0, 1L << 32)))
            .Append(new BpfInstruction(0xffff, 0xff, 0xff, 0xffff_ffff))
            .Append(new BpfInstruction(0, 0, 0, 0))
            .ToArray();
        var bytes = BpfCodec.ToBytes(program);
        Assert.Equal(program.Length * 8, bytes.Length);
        Assert.Equal(program, BpfCodec.FromBytes(bytes));
    }

    [Fact]
    public void Empty_program_is_empty_bytes()
    {
        Assert.Empty(BpfCodec.ToBytes([]));
        Assert.Empty(BpfCodec.FromBytes([]));
    }

    [Fact]
    public void Rejects_a_length_that_is_not_whole_instructions()
    {
        var e = Assert.Throws<ArgumentException>(() => BpfCodec.FromBytes(new byte[12]));
        Assert.Contains("12", e.Message);
    }
}
