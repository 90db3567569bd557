using NsSandbox.Core.Plan;
using NsSandbox.Core.Timing;
using NsSandbox.Linux;

namespace NsSandbox.Core.Channel;

/// <summary>The bytes of a <see cref="ChannelMessage"/>: fields in a fixed order, strings and lists length-prefixed.
/// Both ends are the same binary, so no versioning is needed. It replaces JSON on the channel because
/// configuring System.Text.Json's metadata cost each launch ~250 page faults in the supervisor and stage 2
/// alike (docs/benchmarks.md). Every field of Plan and MountOp must be written here: ChannelCodecTests fails
/// when one is added but not carried.</summary>
public static class ChannelCodec
{
    private const uint Magic = 0x4e53534d; // "NSSM"

    public static byte[] Encode(ChannelMessage message)
    {
        using var stream = new MemoryStream();
        using (var w = new BinaryWriter(stream))
        {
            w.Write(Magic);
            w.Write((int)message.Kind);
            w.Write(message.Plan is not null);
            if (message.Plan is { } plan) WritePlan(w, plan);
            w.Write(message.Error is not null);
            if (message.Error is { } e)
            {
                w.Write(e.Step);
                WriteOptional(w, e.Path);
                w.Write(e.Errno);
                w.Write(e.Message);
            }
            w.Write(message.Timing is not null);
            if (message.Timing is { } stamps)
                WriteList(w, stamps, (w, s) => { w.Write(s.Side); w.Write(s.Step); w.Write(s.Ns); });
        }
        return stream.ToArray();
    }

    /// <summary>Throws InvalidDataException for anything that is not a whole message.</summary>
    public static ChannelMessage Decode(byte[] bytes)
    {
        try
        {
            using var r = new BinaryReader(new MemoryStream(bytes, writable: false));
            if (r.ReadUInt32() != Magic) throw new InvalidDataException("not a channel message");
            var kind = (MessageKind)r.ReadInt32();
            var plan = r.ReadBoolean() ? ReadPlan(r) : null;
            var error = r.ReadBoolean() ? new SetupError(r.ReadString(), ReadOptional(r), r.ReadInt32(), r.ReadString()) : null;
            var timing = r.ReadBoolean() ? ReadList(r, r => new TimingStamp(r.ReadString(), r.ReadString(), r.ReadInt64())) : null;
            if (r.BaseStream.Position != bytes.Length) throw new InvalidDataException("trailing bytes");
            return new ChannelMessage(kind) { Plan = plan, Error = error, Timing = timing };
        }
        catch (Exception e) when (e is EndOfStreamException or FormatException or ArgumentException)
        {
            throw new InvalidDataException("truncated or garbled", e);
        }
    }

    private static void WritePlan(BinaryWriter w, Plan.Plan p)
    {
        w.Write(p.RunId);
        w.Write((ulong)p.Namespaces);
        w.Write(p.RootMountPoint);
        WriteList(w, p.MountOps, WriteMountOp);
        WriteOptional(w, p.Hostname);
        WriteList(w, p.Rlimits, (w, l) => { w.Write((int)l.Resource); w.Write(l.Soft); w.Write(l.Hard); });
        w.Write(p.Uid);
        w.Write(p.Gid);
        w.Write(p.ClearGroups);
        w.Write(p.Cwd);
        WriteList(w, p.Argv, (w, s) => w.Write(s));
        WriteList(w, p.ExecCandidates, (w, s) => w.Write(s));
        WriteList(w, p.Env, (w, s) => w.Write(s));
        w.Write(p.DieWithParent);
        w.Write(p.LoopbackUp);
        w.Write(p.SeccompFilter is not null);
        if (p.SeccompFilter is { } filter)
        {
            w.Write(filter.Length);
            w.Write(filter);
        }
        w.Write(p.SeccompFlags);
        w.Write(p.TraceTiming);
    }

    private static Plan.Plan ReadPlan(BinaryReader r) => new()
    {
        RunId = r.ReadString(),
        Namespaces = (Namespaces)r.ReadUInt64(),
        RootMountPoint = r.ReadString(),
        MountOps = ReadList(r, ReadMountOp),
        Hostname = ReadOptional(r),
        Rlimits = ReadList(r, r => new RlimitOp((RlimitResource)r.ReadInt32(), r.ReadUInt64(), r.ReadUInt64())),
        Uid = r.ReadUInt32(),
        Gid = r.ReadUInt32(),
        ClearGroups = r.ReadBoolean(),
        Cwd = r.ReadString(),
        Argv = ReadList(r, r => r.ReadString()),
        ExecCandidates = ReadList(r, r => r.ReadString()),
        Env = ReadList(r, r => r.ReadString()),
        DieWithParent = r.ReadBoolean(),
        LoopbackUp = r.ReadBoolean(),
        SeccompFilter = r.ReadBoolean() ? ReadBytes(r) : null,
        SeccompFlags = r.ReadUInt32(),
        TraceTiming = r.ReadBoolean(),
    };

    private static void WriteMountOp(BinaryWriter w, MountOp op)
    {
        w.Write((int)op.Kind);
        w.Write(op.Target);
        WriteOptional(w, op.Source);
        w.Write(op.Handle);
        w.Write(op.Recursive);
        w.Write((ulong)op.Flags);
        w.Write((ulong)op.Attributes);
        WriteOptional(w, op.Data);
        w.Write(op.Mode);
        w.Write(op.Directory);
    }

    private static MountOp ReadMountOp(BinaryReader r) => new((MountOpKind)r.ReadInt32(), r.ReadString())
    {
        Source = ReadOptional(r),
        Handle = r.ReadInt32(),
        Recursive = r.ReadBoolean(),
        Flags = (MountFlags)r.ReadUInt64(),
        Attributes = (MountAttributes)r.ReadUInt64(),
        Data = ReadOptional(r),
        Mode = r.ReadUInt32(),
        Directory = r.ReadBoolean(),
    };

    private static byte[] ReadBytes(BinaryReader r)
    {
        int length = r.ReadInt32();
        if (length < 0 || length > SeqPacketSocket.MaxMessage) throw new InvalidDataException("bad length");
        byte[] bytes = r.ReadBytes(length);
        return bytes.Length == length ? bytes : throw new EndOfStreamException();
    }

    private static void WriteOptional(BinaryWriter w, string? s)
    {
        w.Write(s is not null);
        if (s is not null) w.Write(s);
    }

    private static string? ReadOptional(BinaryReader r) => r.ReadBoolean() ? r.ReadString() : null;

    private static void WriteList<T>(BinaryWriter w, IReadOnlyList<T> items, Action<BinaryWriter, T> write)
    {
        w.Write(items.Count);
        foreach (var item in items) write(w, item);
    }

    private static List<T> ReadList<T>(BinaryReader r, Func<BinaryReader, T> read)
    {
        int count = r.ReadInt32();
        if (count < 0 || count > SeqPacketSocket.MaxMessage) throw new InvalidDataException("bad count");
        var items = new List<T>(count);
        for (int i = 0; i < count; i++) items.Add(read(r));
        return items;
    }
}
