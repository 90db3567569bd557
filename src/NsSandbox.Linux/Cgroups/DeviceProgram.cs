using System.Buffers.Binary;

namespace NsSandbox.Linux.Cgroups;

/// <summary>One exception of the devices cgroup's model: a block ('b') or character ('c') device, major and minor
/// (-1 for any) and the access it covers (<see cref="DeviceProgram.Mknod"/>, Read, Write bits).</summary>
public readonly record struct DeviceException(char Type, long Major, long Minor, int Access);

/// <summary>The eBPF program (BPF_PROG_TYPE_CGROUP_DEVICE) that enforces the devices cgroup's model on cgroup v2,
/// which has no devices.allow/deny files: a default (allow or deny) and exceptions to it, checked as cgroup v1's
/// kernel code checks them. With a default of deny, an access is allowed when one exception covers all of it;
/// with a default of allow, it is denied when one exception shares any of its bits.</summary>
public static class DeviceProgram
{
    public const int Mknod = 1, Read = 2, Write = 4; // BPF_DEVCG_ACC_*
    private const int DevBlock = 1, DevChar = 2;       // BPF_DEVCG_DEV_*

    // Registers: r1 the context (struct bpf_cgroup_dev_ctx: access_type, major, minor), r2 the access asked,
    // r3 the device's type, r4 its major, r5 its minor, r6 scratch.
    private const byte LdxW = 0x61, Mov32X = 0xbc, And32K = 0x54, Rsh32K = 0x74, Mov64K = 0xb7;
    private const byte JneK = 0x55, JeqK = 0x15, JsetK = 0x45, Exit = 0x95;

    public static byte[] Build(bool defaultAllow, IReadOnlyList<DeviceException> exceptions)
    {
        var code = new List<byte[]>
        {
            Insn(LdxW, 2, 1, 0, 0),      // r2 = ctx->access_type
            Insn(Mov32X, 3, 2, 0, 0),    // w3 = w2
            Insn(And32K, 3, 0, 0, 0xffff), // w3 &= 0xffff: the type
            Insn(Rsh32K, 2, 0, 0, 16),   // w2 >>= 16: the access
            Insn(LdxW, 4, 1, 4, 0),      // r4 = ctx->major
            Insn(LdxW, 5, 1, 8, 0),      // r5 = ctx->minor
        };
        foreach (var ex in exceptions) code.AddRange(Block(ex, defaultAllow));
        code.Add(Insn(Mov64K, 0, 0, 0, defaultAllow ? 1 : 0));
        code.Add(Insn(Exit, 0, 0, 0, 0));
        return code.SelectMany(i => i).ToArray();
    }

    /// <summary>One exception: on a match the verdict (the opposite of the default), else a jump past the block.</summary>
    private static IEnumerable<byte[]> Block(DeviceException ex, bool defaultAllow)
    {
        int access = ex.Access & 7;
        // Each test: (opcode, register, value) that jumps to the next block when it holds.
        var tests = new List<(byte Op, byte Reg, int Value)>
        {
            (JneK, 3, ex.Type switch
            {
                'b' => DevBlock,
                'c' => DevChar,
                _ => throw new ArgumentException($"device type '{ex.Type}': only 'b' and 'c' are exceptions"),
            }),
        };
        if (ex.Major >= 0) tests.Add((JneK, 4, checked((int)ex.Major)));
        if (ex.Minor >= 0) tests.Add((JneK, 5, checked((int)ex.Minor)));
        var body = new List<(byte Op, byte Dst, byte Src, int Imm, bool JumpsOut)>();
        foreach (var t in tests) body.Add((t.Op, t.Reg, 0, t.Value, true));
        if (!defaultAllow)
        {
            // Allowed only if every bit asked is covered: any bit outside the exception's goes on.
            if ((~access & 7) != 0) body.Add((JsetK, 2, 0, ~access & 7, true));
        }
        else
        {
            // Denied if any bit asked is the exception's.
            body.Add((Mov32X, 6, 2, 0, false));
            body.Add((And32K, 6, 0, access, false));
            body.Add((JeqK, 6, 0, 0, true));
        }
        body.Add((Mov64K, 0, 0, defaultAllow ? 0 : 1, false));
        body.Add((Exit, 0, 0, 0, false));
        for (int i = 0; i < body.Count; i++)
        {
            var b = body[i];
            yield return Insn(b.Op, b.Dst, b.Src, b.JumpsOut ? (short)(body.Count - i - 1) : (short)0, b.Imm);
        }
    }

    private static byte[] Insn(byte op, byte dst, byte src, short offset, int imm)
    {
        var insn = new byte[8];
        insn[0] = op;
        insn[1] = (byte)((src << 4) | dst);
        BinaryPrimitives.WriteInt16LittleEndian(insn.AsSpan(2), offset);
        BinaryPrimitives.WriteInt32LittleEndian(insn.AsSpan(4), imm);
        return insn;
    }
}
