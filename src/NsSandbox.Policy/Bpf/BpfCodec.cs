using System.Buffers.Binary;

namespace NsSandbox.Policy.Bpf;

/// <summary>The kernel's struct sock_filter array: u16 code, u8 jt, u8 jf, u32 k; little-endian, 8 bytes each.</summary>
public static class BpfCodec
{
    public const int InstructionSize = 8;

    public static byte[] ToBytes(IReadOnlyList<BpfInstruction> p)
    {
        var bytes = new byte[p.Count * InstructionSize];
        for (var i = 0; i < p.Count; i++)
        {
            var span = bytes.AsSpan(i * InstructionSize, InstructionSize);
            BinaryPrimitives.WriteUInt16LittleEndian(span, p[i].Code);
            span[2] = p[i].Jt;
            span[3] = p[i].Jf;
            BinaryPrimitives.WriteUInt32LittleEndian(span[4..], p[i].K);
        }
        return bytes;
    }

    public static IReadOnlyList<BpfInstruction> FromBytes(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length % InstructionSize != 0)
        {
            throw new ArgumentException(
                $"a BPF program is a multiple of {InstructionSize} bytes, not {bytes.Length}", nameof(bytes));
        }
        var program = new BpfInstruction[bytes.Length / InstructionSize];
        for (var i = 0; i < program.Length; i++)
        {
            var span = bytes.Slice(i * InstructionSize, InstructionSize);
            program[i] = new BpfInstruction(BinaryPrimitives.ReadUInt16LittleEndian(span), span[2], span[3],
                BinaryPrimitives.ReadUInt32LittleEndian(span[4..]));
        }
        return program;
    }
}
