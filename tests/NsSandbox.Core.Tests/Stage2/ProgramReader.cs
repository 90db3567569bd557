using System.Buffers.Binary;
using System.Text;
using NsSandbox.Linux.Stage2Code;

namespace NsSandbox.Core.Tests;

/// <summary>Decodes a stage-2 program the way native/nss_stage2.c reads it (the operand table follows the comments of
/// enum nss_opcode), checking every offset, so tests can assert on operations rather than bytes.</summary>
public static class ProgramReader
{
    public sealed record Op(Opcode Code, string? What, object? A, object? B, object? C, object? D, object? E);

    /// <summary>Which operands are strings (s), string arrays (l), blocks of words (f: a filter, a CPU mask) or numbers
    /// (n), for a, b, c, d, e.</summary>
    public static readonly IReadOnlyDictionary<Opcode, string> Operands = new Dictionary<Opcode, string>
    {
        [Opcode.Mount] = "sssns", [Opcode.SetAttributes] = "snnnn", [Opcode.OpenTree] = "snnnn",
        [Opcode.TreeSetAttributes] = "nnnnn", [Opcode.MoveMount] = "snnnn", [Opcode.Close] = "nnnnn",
        [Opcode.Unmount] = "snnnn", [Opcode.EnsureDirectory] = "snnnn", [Opcode.EnsureFile] = "snnnn",
        [Opcode.Require] = "snnnn", [Opcode.Symlink] = "ssnnn", [Opcode.PivotRoot] = "ssnnn",
        [Opcode.ChangeDirectory] = "snnnn", [Opcode.SetHostname] = "snnnn", [Opcode.LoopbackUp] = "nnnnn",
        [Opcode.SetRlimit] = "nnnnn", [Opcode.SetSid] = "nnnnn", [Opcode.SetGroupsEmpty] = "nnnnn",
        [Opcode.SetResGid] = "nnnnn", [Opcode.SetResUid] = "nnnnn", [Opcode.DropCapabilities] = "nnnnn",
        [Opcode.ParentDeathSignal] = "nnnnn", [Opcode.Mark] = "snnnn", [Opcode.Exec] = "lllfn",
        [Opcode.AwaitStart] = "nnnnn", [Opcode.Open] = "snnnn", [Opcode.AwaitFifo] = "nnnnn",
        [Opcode.CapBounding] = "nnnnn", [Opcode.CapSet] = "nnnnn", [Opcode.KeepCaps] = "nnnnn",
        [Opcode.SetGroups] = "nnnnn", [Opcode.MakeNode] = "snnnn", [Opcode.WriteFile] = "ssnnn",
        [Opcode.Pause] = "nnnnn", [Opcode.FindExec] = "lnnnn", [Opcode.SetControllingTerminal] = "nnnnn", [Opcode.OpenPty] = "snnnn", [Opcode.Seccomp] = "nnnfn", [Opcode.SetNamespace] = "snnnn",
        [Opcode.SetPersonality] = "nnnnn", [Opcode.SetPriority] = "nnnnn",
        [Opcode.SetAffinity] = "nnnfn", [Opcode.DisableTsc] = "nnnnn", [Opcode.NullFds] = "snnnn", [Opcode.RemoveDirectory] = "snnnn",
        [Opcode.ReceiveTree] = "nnnnn",
    };

    public static List<Op> Read(ReadOnlySpan<byte> program)
    {
        byte[] p = program.ToArray();
        Assert.Equal(ProgramFormat.Magic, U32(p, 0));
        Assert.Equal(ProgramFormat.Version, U32(p, 4));
        uint count = U32(p, ProgramFormat.HeaderOpCount), ops = U32(p, ProgramFormat.HeaderOps);
        Assert.Equal((uint)p.Length, U32(p, ProgramFormat.HeaderLength));
        Assert.Equal(0, p[^1]);
        Assert.Equal(0u, ops % 8);
        Assert.True(ops + count * ProgramFormat.OpSize <= p.Length);
        var result = new List<Op>();
        for (uint i = 0; i < count; i++)
        {
            int at = (int)(ops + i * ProgramFormat.OpSize);
            var code = (Opcode)U32(p, at);
            string kinds = Operands[code];
            ulong[] raw = [U32(p, at + ProgramFormat.OpA), U32(p, at + ProgramFormat.OpB), U32(p, at + ProgramFormat.OpC),
                U64(p, at + ProgramFormat.OpD), U64(p, at + ProgramFormat.OpE)];
            var values = raw.Select((v, k) => Decode(p, kinds[k], v)).ToArray();
            result.Add(new Op(code, (string?)Decode(p, 's', U32(p, at + ProgramFormat.OpWhat)), values[0], values[1], values[2], values[3], values[4]));
        }
        return result;
    }

    private static object? Decode(byte[] p, char kind, ulong v)
    {
        switch (kind)
        {
            case 'n':
                return v;
            case 's':
                if (v == 0) return null;
                Assert.True(v < (ulong)p.Length);
                int end = Array.IndexOf(p, (byte)0, (int)v);
                return Encoding.UTF8.GetString(p, (int)v, end - (int)v);
            case 'l':
                Assert.Equal(0ul, v % 8);
                ulong n = U64(p, (int)v);
                var items = Enumerable.Range(0, (int)n).Select(k => (string)Decode(p, 's', U64(p, (int)v + 8 + 8 * k))!).ToList();
                Assert.Equal(0ul, U64(p, (int)v + 8 + 8 * (int)n));
                return items;
            default:
                if (v == 0) return null;
                Assert.Equal(0ul, v % 8);
                uint instructions = U32(p, (int)v);
                return p.AsSpan((int)v + 8, (int)instructions * 8).ToArray();
        }
    }

    private static uint U32(byte[] p, int at) => BinaryPrimitives.ReadUInt32LittleEndian(p.AsSpan(at));
    private static ulong U64(byte[] p, int at) => BinaryPrimitives.ReadUInt64LittleEndian(p.AsSpan(at));
}
