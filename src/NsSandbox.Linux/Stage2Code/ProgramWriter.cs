using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace NsSandbox.Linux.Stage2Code;

/// <summary>The <see cref="IKernel"/> stage 2 really uses: each call becomes an operation of the program the
/// native interpreter executes after the clone (native/nss_stage2.h has the layout). Nothing here touches the
/// kernel, so a plan is compiled in the parent, before the clone, and the child needs no runtime.
/// With <paramref name="describe"/> (mode execve, which has no parent to phrase its errors) every operation
/// carries its description for the interpreter to print.</summary>
public sealed class ProgramWriter(bool timing, bool describe = false) : IKernel
{
    private const int EMFILE = 24;
    private const int EINVAL = 22;

    /// <summary>One operand: a string, a string list or a filter (stored in the data area, replaced by its offset),
    /// or a number. A struct, so a launch's ~100 operations allocate nothing per operand.</summary>
    private readonly record struct Operand(ulong Number, string? Text = null, IReadOnlyList<string>? List = null, byte[]? Filter = null)
    {
        public static implicit operator Operand(string? s) => new(0, s);
        public static implicit operator Operand(ulong n) => new(n);
        public static implicit operator Operand(uint n) => new(n);
        public static implicit operator Operand(bool b) => new(b ? 1u : 0u);
    }

    /// <summary>An operation before layout.</summary>
    private readonly record struct Draft(Opcode Code, Operand A = default, Operand B = default, Operand C = default,
        Operand D = default, Operand E = default);

    private readonly List<Draft> _ops = new(128);
    private readonly List<Stage2Program.Step> _steps = new(128);
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
        Add(new(Opcode.SetAttributes, path, recursive, default, (ulong)set), "mount_setattr", path);

    public int CloneTree(string source, bool recursive)
    {
        int slot = _freeSlots.Count > 0 ? _freeSlots.Pop() : _nextSlot++;
        if (slot >= ProgramFormat.Slots) throw new KernelException("bind mount", source, EMFILE);
        _slotSources[slot] = source;
        Add(new(Opcode.OpenTree, source, recursive, (uint)slot), "bind mount", source);
        return slot;
    }

    public void SetTreeAttributes(int tree, MountAttributes set, bool recursive) =>
        Add(new(Opcode.TreeSetAttributes, default, recursive, (uint)tree, (ulong)set), "mount_setattr", _slotSources.GetValueOrDefault(tree));

    public void AttachTree(int tree, string target) => Add(new(Opcode.MoveMount, target, default, (uint)tree), "move_mount", target);

    public void CloseDescriptor(int fd)
    {
        Add(new(Opcode.Close, default, default, (uint)fd), "close", null);
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
        Add(new(Opcode.SetRlimit, (uint)resource, default, default, soft, hard), "setrlimit", FlagNames.Of(resource).ToUpperInvariant());

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
        Add(new(Opcode.Exec, new Operand(0, List: candidates), new Operand(0, List: argv), new Operand(0, List: env),
            new Operand(0, Filter: seccompFilter), (ulong)seccompFlags), "execve", argv[0]);

    /// <summary>Lays the program out in one buffer: header, operations, then the data they point into.</summary>
    public Stage2Program Finish()
    {
        int opsEnd = ProgramFormat.HeaderSize + ProgramFormat.OpSize * _ops.Count;
        var layout = new Layout(opsEnd);
        for (int i = 0; i < _ops.Count; i++)
        {
            var op = _ops[i];
            var s = _steps[i];
            uint what = describe && op.Code is not (Opcode.Mark or Opcode.Close) ? layout.String(Stage2Program.Describe(s.Call, s.Subject)) : 0;
            ulong a = layout.Place(op.A), b = layout.Place(op.B), c = layout.Place(op.C), d = layout.Place(op.D), e = layout.Place(op.E);
            var span = layout.Bytes.AsSpan(ProgramFormat.HeaderSize + i * ProgramFormat.OpSize, ProgramFormat.OpSize);
            BinaryPrimitives.WriteUInt32LittleEndian(span, (uint)op.Code);
            BinaryPrimitives.WriteUInt32LittleEndian(span[4..], what);
            BinaryPrimitives.WriteUInt32LittleEndian(span[8..], checked((uint)a));
            BinaryPrimitives.WriteUInt32LittleEndian(span[12..], checked((uint)b));
            BinaryPrimitives.WriteUInt32LittleEndian(span[16..], checked((uint)c));
            BinaryPrimitives.WriteUInt64LittleEndian(span[24..], d);
            BinaryPrimitives.WriteUInt64LittleEndian(span[32..], e);
        }
        byte[] bytes = layout.Finish();
        var header = bytes.AsSpan();
        BinaryPrimitives.WriteUInt32LittleEndian(header, ProgramFormat.Magic);
        BinaryPrimitives.WriteUInt32LittleEndian(header[4..], ProgramFormat.Version);
        BinaryPrimitives.WriteUInt32LittleEndian(header[8..], (uint)_ops.Count);
        BinaryPrimitives.WriteUInt32LittleEndian(header[12..], ProgramFormat.HeaderSize);
        BinaryPrimitives.WriteUInt32LittleEndian(header[16..], (uint)bytes.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(header[20..], timing ? ProgramFormat.TimingFlag : 0);
        return new Stage2Program(bytes, _steps.ToArray());
    }

    /// <summary>The program's buffer: the header and operations first, then the data area of strings (each stored
    /// once), string arrays and filters, addressed by their offset from the start. It ends with a NUL, which the
    /// interpreter checks.</summary>
    private sealed class Layout(int dataStart)
    {
        private readonly Dictionary<string, uint> _strings = new(64, StringComparer.Ordinal);
        private int _length = dataStart;

        public byte[] Bytes { get; private set; } = new byte[Math.Max(8192, dataStart * 2)];

        public ulong Place(Operand o) =>
            o.Text is { } s ? String(s) : o.List is { } list ? Strings(list) : o.Filter is { } f ? Filter(f) : o.Number;

        public uint String(string s)
        {
            if (_strings.TryGetValue(s, out uint at)) return at;
            if (s.Contains('\0')) throw new KernelException("a NUL byte in", s.Replace('\0', '?'), EINVAL);
            at = (uint)_length;
            int n = Encoding.UTF8.GetByteCount(s);
            Encoding.UTF8.GetBytes(s, Reserve(n + 1)[..n]);
            _strings[s] = at;
            return at;
        }

        private uint Strings(IReadOnlyList<string> list)
        {
            Span<uint> small = list.Count <= 64 ? stackalloc uint[list.Count] : new uint[list.Count];
            for (int i = 0; i < list.Count; i++) small[i] = String(list[i]);
            uint at = Align();
            var words = Reserve(8 * (list.Count + 2));
            BinaryPrimitives.WriteUInt64LittleEndian(words, (ulong)list.Count);
            for (int i = 0; i < list.Count; i++) BinaryPrimitives.WriteUInt64LittleEndian(words[(8 + 8 * i)..], small[i]);
            return at; // the closing 0 word is already zero
        }

        private uint Filter(byte[] filter)
        {
            uint at = Align();
            var block = Reserve(8 + filter.Length);
            BinaryPrimitives.WriteUInt64LittleEndian(block, (ulong)(filter.Length / 8));
            filter.CopyTo(block[8..]);
            return at;
        }

        private uint Align()
        {
            _length = (_length + 7) & ~7;
            return (uint)_length;
        }

        /// <summary>The next <paramref name="n"/> bytes of the buffer, zeroed.</summary>
        private Span<byte> Reserve(int n)
        {
            if (_length + n > Bytes.Length)
            {
                var bigger = new byte[Math.Max(Bytes.Length * 2, _length + n + 1024)];
                Bytes.AsSpan(0, _length).CopyTo(bigger);
                Bytes = bigger;
            }
            var span = Bytes.AsSpan(_length, n);
            _length += n;
            return span;
        }

        /// <summary>The program, trimmed, with its closing NUL.</summary>
        public byte[] Finish()
        {
            Reserve(1);
            return _length == Bytes.Length ? Bytes : Bytes.AsSpan(0, _length).ToArray();
        }
    }
}
