using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace NsSandbox.Linux.Stage2Code;

/// <summary>The <see cref="IKernel"/> stage 2 really uses: each call becomes an operation of the program the
/// native interpreter executes after the clone (native/nss_stage2.h has the layout). Nothing here touches the
/// kernel, so a plan is compiled in the parent, before the clone, and the child needs no runtime.</summary>
public sealed class ProgramWriter(bool timing) : IKernel
{
    private const int EMFILE = 24;
    private const int EINVAL = 22;

    /// <summary>An operation before layout. Operands are strings, string lists and filters (stored in the data
    /// area, replaced by their offsets) or numbers.</summary>
    private sealed record Draft(Opcode Code, object? A = null, object? B = null, object? C = null, object? D = null, object? E = null);

    private readonly List<Draft> _ops = [];
    private readonly List<Stage2Program.Step> _steps = [];
    private readonly Stack<int> _freeSlots = new();
    private readonly Dictionary<int, string> _slotSources = [];
    private int _nextSlot;

    private void Add(Draft op, string call, string? subject, string? mark = null)
    {
        _ops.Add(op);
        _steps.Add(new Stage2Program.Step(op.Code, call, subject, mark));
    }

    public void Mount(string? source, string target, string? fsType, MountFlags flags, string? data) =>
        Add(new(Opcode.Mount, source, target, fsType, (ulong)flags, data), "mount", target);

    public void SetMountAttributes(string path, MountAttributes set, bool recursive) =>
        Add(new(Opcode.SetAttributes, path, recursive, null, (ulong)set), "mount_setattr", path);

    public int CloneTree(string source, bool recursive)
    {
        int slot = _freeSlots.Count > 0 ? _freeSlots.Pop() : _nextSlot++;
        if (slot >= ProgramFormat.Slots) throw new KernelException("bind mount", source, EMFILE);
        _slotSources[slot] = source;
        Add(new(Opcode.OpenTree, source, recursive, (uint)slot), "bind mount", source);
        return slot;
    }

    public void SetTreeAttributes(int tree, MountAttributes set, bool recursive) =>
        Add(new(Opcode.TreeSetAttributes, null, recursive, (uint)tree, (ulong)set), "mount_setattr", _slotSources.GetValueOrDefault(tree));

    public void AttachTree(int tree, string target) => Add(new(Opcode.MoveMount, target, null, (uint)tree), "move_mount", target);

    public void CloseDescriptor(int fd)
    {
        Add(new(Opcode.Close, null, null, (uint)fd), "close", null);
        _freeSlots.Push(fd);
    }

    public void Unmount(string target, bool detach) => Add(new(Opcode.Unmount, target, detach ? 2u : 0u), "umount", target);

    public void EnsureDirectory(string path, uint mode) => Add(new(Opcode.EnsureDirectory, path, mode), "mkdir", path);

    public void EnsureFile(string path, uint mode) => Add(new(Opcode.EnsureFile, path, mode), "create", path);

    public void RequireExisting(string path, bool directory) => Add(new(Opcode.Require, path, directory), "mount point", path);

    public void MakeSymlink(string target, string linkPath) => Add(new(Opcode.Symlink, target, linkPath), "symlink", linkPath);

    public void PivotRoot(string newRoot, string putOld) => Add(new(Opcode.PivotRoot, newRoot, putOld), "pivot_root", newRoot);

    public void ChangeDirectory(string path) => Add(new(Opcode.ChangeDirectory, path), "chdir", path);

    public void SetHostname(string name) =>
        Add(new(Opcode.SetHostname, name, (uint)Encoding.UTF8.GetByteCount(name)), "sethostname", name);

    public void BringUpLoopback() => Add(new(Opcode.LoopbackUp), "ioctl(SIOCSIFFLAGS)", "lo");

    public void SetRlimit(RlimitResource resource, ulong soft, ulong hard) =>
        Add(new(Opcode.SetRlimit, (uint)resource, null, null, soft, hard), "setrlimit", resource.ToString().ToUpperInvariant());

    public void NewSession() => Add(new(Opcode.SetSid), "setsid", null);

    public void ClearSupplementaryGroups() => Add(new(Opcode.SetGroupsEmpty), "setgroups", null);

    public void SetIds(uint uid, uint gid)
    {
        Add(new(Opcode.SetResGid, gid), "setresgid", gid.ToString(CultureInfo.InvariantCulture));
        Add(new(Opcode.SetResUid, uid), "setresuid", uid.ToString(CultureInfo.InvariantCulture));
    }

    public void DropCapabilities() => Add(new(Opcode.DropCapabilities), "drop capabilities", null);

    public void SetParentDeathSignal(int signal) => Add(new(Opcode.ParentDeathSignal, (uint)signal), "prctl(PR_SET_PDEATHSIG)", null);

    public void Mark(string step)
    {
        if (timing) Add(new(Opcode.Mark, step), "mark", null, step);
    }

    public void Exec(IReadOnlyList<string> candidates, IReadOnlyList<string> argv, IReadOnlyList<string> env, byte[]? seccompFilter,
        uint seccompFlags) =>
        Add(new(Opcode.Exec, candidates, argv, env, seccompFilter, (ulong)seccompFlags), "execve", argv[0]);

    /// <summary>Lays the program out: header, operations, then the data they point into.</summary>
    public Stage2Program Finish()
    {
        var layout = new Layout(ProgramFormat.HeaderSize + ProgramFormat.OpSize * _ops.Count);
        var ops = new byte[ProgramFormat.OpSize * _ops.Count];
        for (int i = 0; i < _ops.Count; i++)
        {
            var op = _ops[i];
            var s = _steps[i];
            var span = ops.AsSpan(i * ProgramFormat.OpSize, ProgramFormat.OpSize);
            BinaryPrimitives.WriteUInt32LittleEndian(span, (uint)op.Code);
            uint what = op.Code is Opcode.Mark or Opcode.Close ? 0 : layout.String(Stage2Program.Describe(s.Call, s.Subject));
            BinaryPrimitives.WriteUInt32LittleEndian(span[4..], what);
            BinaryPrimitives.WriteUInt32LittleEndian(span[8..], checked((uint)layout.Operand(op.A)));
            BinaryPrimitives.WriteUInt32LittleEndian(span[12..], checked((uint)layout.Operand(op.B)));
            BinaryPrimitives.WriteUInt32LittleEndian(span[16..], checked((uint)layout.Operand(op.C)));
            BinaryPrimitives.WriteUInt64LittleEndian(span[24..], layout.Operand(op.D));
            BinaryPrimitives.WriteUInt64LittleEndian(span[32..], layout.Operand(op.E));
        }
        byte[] data = layout.Finish();
        var bytes = new byte[ProgramFormat.HeaderSize + ops.Length + data.Length];
        var header = bytes.AsSpan();
        BinaryPrimitives.WriteUInt32LittleEndian(header, ProgramFormat.Magic);
        BinaryPrimitives.WriteUInt32LittleEndian(header[4..], ProgramFormat.Version);
        BinaryPrimitives.WriteUInt32LittleEndian(header[8..], (uint)_ops.Count);
        BinaryPrimitives.WriteUInt32LittleEndian(header[12..], ProgramFormat.HeaderSize);
        BinaryPrimitives.WriteUInt32LittleEndian(header[16..], (uint)bytes.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(header[20..], timing ? ProgramFormat.TimingFlag : 0);
        ops.CopyTo(bytes, ProgramFormat.HeaderSize);
        data.CopyTo(bytes, ProgramFormat.HeaderSize + ops.Length);
        return new Stage2Program(bytes, _steps.ToArray());
    }

    /// <summary>The data area: strings (each stored once), string arrays and filters, addressed by their offset
    /// from the start of the program. It ends with a NUL, which the interpreter checks.</summary>
    private sealed class Layout(int start)
    {
        private readonly MemoryStream _data = new();
        private readonly Dictionary<string, uint> _strings = new(StringComparer.Ordinal);

        private uint Position => checked((uint)(start + _data.Length));

        public ulong Operand(object? value) => value switch
        {
            null => 0,
            string s => String(s),
            IReadOnlyList<string> list => Strings(list),
            byte[] filter => Filter(filter),
            bool b => b ? 1u : 0u,
            uint u => u,
            ulong u => u,
            _ => throw new ArgumentException($"operand {value.GetType().Name}"),
        };

        public uint String(string s)
        {
            if (_strings.TryGetValue(s, out uint at)) return at;
            if (s.Contains('\0')) throw new KernelException("a NUL byte in", s.Replace('\0', '?'), EINVAL);
            at = Position;
            _data.Write(Encoding.UTF8.GetBytes(s));
            _data.WriteByte(0);
            _strings[s] = at;
            return at;
        }

        private uint Strings(IReadOnlyList<string> list)
        {
            var offsets = list.Select(String).ToArray();
            uint at = Align();
            Word((ulong)list.Count);
            foreach (uint o in offsets) Word(o);
            Word(0);
            return at;
        }

        private uint Filter(byte[] filter)
        {
            uint at = Align();
            Word((ulong)(filter.Length / 8));
            _data.Write(filter);
            return at;
        }

        private void Word(ulong value)
        {
            Span<byte> b = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(b, value);
            _data.Write(b);
        }

        private uint Align()
        {
            while (Position % 8 != 0) _data.WriteByte(0);
            return Position;
        }

        public byte[] Finish()
        {
            _data.WriteByte(0);
            return _data.ToArray();
        }
    }
}
