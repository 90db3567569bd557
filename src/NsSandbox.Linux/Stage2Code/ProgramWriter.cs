using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace NsSandbox.Linux.Stage2Code;

/// <summary>The <see cref="IKernel"/> stage 2 really uses: each call becomes an operation of the program the
/// native interpreter executes after the clone (native/nss_stage2.h has the layout). Nothing here touches the
/// kernel, so a plan is compiled in the parent, before the clone, and the child needs no runtime.
/// With <paramref name="describe"/> (mode execve, which has no parent to phrase its errors) every operation
/// carries its description for the interpreter to print. <paramref name="expectedOps"/> sizes the buffers: the GC
/// zeroes every byte a launch allocates, so growing them twice costs more than guessing well once.</summary>
public sealed class ProgramWriter(bool timing, bool describe = false, int expectedOps = 128) : IContainerKernel
{
    /// <summary>One operand: a string, a string list, a filter (8-byte words with their count before them: a seccomp
    /// filter, a CPU mask) or a block (stored in the data area at once, replaced by its offset), or a number.</summary>
    private readonly record struct Operand(ulong Number, string? Text = null, IReadOnlyList<string>? List = null, byte[]? Filter = null,
        byte[]? Block = null)
    {
        public static implicit operator Operand(string? s) => new(0, s);
        public static implicit operator Operand(ulong n) => new(n);
        public static implicit operator Operand(uint n) => new(n);
        public static implicit operator Operand(bool b) => new(b ? 1u : 0u);
    }

    /// <summary>The program so far: the data area grows behind the header, the operations (struct nss_op) in their
    /// own buffer until <see cref="Finish"/> puts them after the data.</summary>
    private readonly Layout _data = new(ProgramFormat.HeaderSize, 2048 + 48 * expectedOps);
    private readonly Layout _ops = new(0, ProgramFormat.OpSize * expectedOps);
    private readonly List<Stage2Program.Step> _steps = new(expectedOps);
    private readonly Stack<int> _freeSlots = new();
    private readonly Dictionary<int, string> _slotSources = [];
    private int _nextSlot;
    private int? _execSlot;

    private void Add(Opcode code, string call, string? subject, Operand a = default, Operand b = default, Operand c = default,
        Operand d = default, Operand e = default, string? mark = null)
    {
        uint what = describe && code is not (Opcode.Mark or Opcode.Close) ? _data.String(Stage2Program.Describe(call, subject)) : 0;
        ulong oa = _data.Place(a), ob = _data.Place(b), oc = _data.Place(c), od = _data.Place(d), oe = _data.Place(e);
        var span = _ops.Reserve(ProgramFormat.OpSize);
        BinaryPrimitives.WriteUInt32LittleEndian(span, (uint)code);
        BinaryPrimitives.WriteUInt32LittleEndian(span[ProgramFormat.OpWhat..], what);
        BinaryPrimitives.WriteUInt32LittleEndian(span[ProgramFormat.OpA..], checked((uint)oa));
        BinaryPrimitives.WriteUInt32LittleEndian(span[ProgramFormat.OpB..], checked((uint)ob));
        BinaryPrimitives.WriteUInt32LittleEndian(span[ProgramFormat.OpC..], checked((uint)oc));
        BinaryPrimitives.WriteUInt64LittleEndian(span[ProgramFormat.OpD..], od);
        BinaryPrimitives.WriteUInt64LittleEndian(span[ProgramFormat.OpE..], oe);
        _steps.Add(new Stage2Program.Step(code, call, subject, mark));
    }

    public void Mount(string? source, string target, string? fsType, MountFlags flags, string? data) =>
        Add(Opcode.Mount, "mount", target, source, target, fsType, (ulong)flags, data);

    public void SetMountAttributes(string path, MountAttributes set, bool recursive) =>
        Add(Opcode.SetAttributes, "mount_setattr", path, path, recursive, default, (ulong)set);

    public int CloneTree(string source, bool recursive)
    {
        int slot = _freeSlots.Count > 0 ? _freeSlots.Pop() : _nextSlot++;
        if (slot >= ProgramFormat.Slots) throw new KernelException("bind mount", source, Errno.TooManyFiles);
        _slotSources[slot] = source;
        Add(Opcode.OpenTree, "bind mount", source, source, recursive, (uint)slot);
        return slot;
    }

    public void SetTreeAttributes(int tree, MountAttributes set, bool recursive) =>
        Add(Opcode.TreeSetAttributes, "mount_setattr", _slotSources.GetValueOrDefault(tree), default, recursive, (uint)tree, (ulong)set);

    public void AttachTree(int tree, string target) => Add(Opcode.MoveMount, "move_mount", target, target, default, (uint)tree);

    public void CloseDescriptor(int fd)
    {
        Add(Opcode.Close, "close", null, default, default, (uint)fd);
        _freeSlots.Push(fd);
    }

    public void Unmount(string target, bool detach) => Add(Opcode.Unmount, "umount", target, target, detach ? 2u : 0u);

    public void EnsureDirectory(string path, uint mode) => Add(Opcode.EnsureDirectory, "mkdir", path, path, mode);

    public void EnsureFile(string path, uint mode) => Add(Opcode.EnsureFile, "create", path, path, mode);

    public void RequireExisting(string path, bool directory) => Add(Opcode.Require, "mount point", path, path, directory);

    public void MakeSymlink(string target, string linkPath) => Add(Opcode.Symlink, "symlink", linkPath, target, linkPath);

    public void RemoveDirectory(string path) => Add(Opcode.RemoveDirectory, "rmdir", path, path);

    public void PivotRoot(string newRoot, string putOld) => Add(Opcode.PivotRoot, "pivot_root", newRoot, newRoot, putOld);

    public void ChangeDirectory(string path) => Add(Opcode.ChangeDirectory, "chdir", path, path);

    public void SetHostname(string name) =>
        Add(Opcode.SetHostname, "sethostname", name, name, (uint)Encoding.UTF8.GetByteCount(name));

    public void BringUpLoopback() => Add(Opcode.LoopbackUp, "ioctl(SIOCSIFFLAGS)", "lo");

    public void SetRlimit(RlimitResource resource, ulong soft, ulong hard) =>
        Add(Opcode.SetRlimit, "setrlimit", FlagNames.Of(resource).ToUpperInvariant(), (uint)resource, default, default, soft, hard);

    public void SetPersonality(uint persona) =>
        Add(Opcode.SetPersonality, "personality", "0x" + persona.ToString("x", CultureInfo.InvariantCulture), persona);

    public void SetNiceness(int nice) =>
        Add(Opcode.SetPriority, "setpriority", nice.ToString(CultureInfo.InvariantCulture), unchecked((uint)nice));

    public void SetCpuAffinity(byte[] mask) =>
        Add(Opcode.SetAffinity, "sched_setaffinity", null, default, default, default, new Operand(0, Filter: mask));

    public void DisableTsc() => Add(Opcode.DisableTsc, "prctl(PR_SET_TSC)", null);

    public void NewSession() => Add(Opcode.SetSid, "setsid", null);

    public void ClearSupplementaryGroups() => Add(Opcode.SetGroupsEmpty, "setgroups", null);

    public void SetIds(uint uid, uint gid)
    {
        Add(Opcode.SetResGid, "setresgid", gid.ToString(CultureInfo.InvariantCulture), gid);
        Add(Opcode.SetResUid, "setresuid", uid.ToString(CultureInfo.InvariantCulture), uid);
    }

    public void DropCapabilities() => Add(Opcode.DropCapabilities, "drop capabilities", null);

    public void SetParentDeathSignal(int signal) => Add(Opcode.ParentDeathSignal, "prctl(PR_SET_PDEATHSIG)", null, (uint)signal);

    public void RedirectToNull(string path, uint fds) => Add(Opcode.NullFds, "open", path, path, fds);

    public void AwaitStart() => Add(Opcode.AwaitStart, "await start", null);

    public int ReceiveTree(string what)
    {
        int slot = _freeSlots.Count > 0 ? _freeSlots.Pop() : _nextSlot++;
        if (slot >= ProgramFormat.Slots) throw new KernelException("receive tree", what, Errno.TooManyFiles);
        _slotSources[slot] = what;
        Add(Opcode.ReceiveTree, "receive tree", what, default, default, (uint)slot);
        return slot;
    }

    public int Open(string path, int flags)
    {
        int slot = _freeSlots.Count > 0 ? _freeSlots.Pop() : _nextSlot++;
        if (slot >= ProgramFormat.Slots) throw new KernelException("open", path, Errno.TooManyFiles);
        Add(Opcode.Open, "open", path, path, (uint)flags, (uint)slot);
        return slot;
    }

    public void AwaitFifo(int slot)
    {
        Add(Opcode.AwaitFifo, "await start", null, default, default, (uint)slot);
        _freeSlots.Push(slot);
    }

    public void KeepBoundingCapabilities(ulong keep) => Add(Opcode.CapBounding, "drop bounding capabilities", null, default, default, default, keep);

    public void SetCapabilities(ulong effective, ulong permitted, ulong inheritable, ulong ambient)
    {
        var sets = new byte[32];
        BinaryPrimitives.WriteUInt64LittleEndian(sets, effective);
        BinaryPrimitives.WriteUInt64LittleEndian(sets.AsSpan(8), permitted);
        BinaryPrimitives.WriteUInt64LittleEndian(sets.AsSpan(16), inheritable);
        BinaryPrimitives.WriteUInt64LittleEndian(sets.AsSpan(24), ambient);
        Add(Opcode.CapSet, "capset", null, default, default, default, new Operand(0, Block: sets));
    }

    public void KeepCapabilitiesOnIdChange(bool keep) => Add(Opcode.KeepCaps, "prctl(PR_SET_KEEPCAPS)", null, keep);

    public void SetSupplementaryGroups(IReadOnlyList<uint> gids)
    {
        var block = new byte[4 + 4 * gids.Count];
        BinaryPrimitives.WriteUInt32LittleEndian(block, (uint)gids.Count);
        for (int i = 0; i < gids.Count; i++) BinaryPrimitives.WriteUInt32LittleEndian(block.AsSpan(4 + 4 * i), gids[i]);
        Add(Opcode.SetGroups, "setgroups", string.Join(",", gids), default, default, default, new Operand(0, Block: block));
    }

    public void MakeNode(string path, uint mode, ulong device) => Add(Opcode.MakeNode, "mknod", path, path, mode, default, device);

    public void WriteFile(string path, string text) =>
        Add(Opcode.WriteFile, "write", path, path, text, (uint)Encoding.UTF8.GetByteCount(text));

    public void SetControllingTerminal(int fd) => Add(Opcode.SetControllingTerminal, "ioctl(TIOCSCTTY)", null, (uint)fd);

    public void JoinNamespace(string path, Namespaces kind) => Add(Opcode.SetNamespace, "setns", path, path, (uint)(ulong)kind);

    /// <summary>Joins the namespace opened into <paramref name="slot"/> (<see cref="Open"/>), at <paramref name="path"/>.</summary>
    public void JoinNamespace(int slot, string path, Namespaces kind) =>
        Add(Opcode.SetNamespace, "setns", path, path, (uint)(ulong)kind, (uint)slot + 1);

    public void LoadSeccomp(byte[] filter, uint flags) =>
        Add(Opcode.Seccomp, "seccomp", null, default, default, default, new Operand(0, Filter: filter), (ulong)flags);

    public void ExecKeepingPrivileges(IReadOnlyList<string> candidates, IReadOnlyList<string> argv, IReadOnlyList<string> env) =>
        Add(Opcode.Exec, "execve", argv[0], new Operand(0, List: candidates), new Operand(0, List: argv), new Operand(0, List: env),
            default, ProgramFormat.ExecKeepPrivileges);

    public void OpenTerminal() => Add(Opcode.OpenPty, "open", "/dev/ptmx", "/dev/ptmx");

    public void Pause() => Add(Opcode.Pause, "pause for hooks", null);

    public void FindExecutable(IReadOnlyList<string> candidates, string command) =>
        Add(Opcode.FindExec, "exec", command, new Operand(0, List: candidates));

    public void Mark(string step)
    {
        if (timing) Add(Opcode.Mark, "mark", null, step, mark: step);
    }

    public void OpenExecutable(string hostPath)
    {
        const int OPath = 0x200000; // O_PATH: enough for execveat, and no read permission needed
        _execSlot = Open(hostPath, OPath);
    }

    public void Exec(IReadOnlyList<string> candidates, IReadOnlyList<string> argv, IReadOnlyList<string> env, byte[]? seccompFilter,
        uint seccompFlags) =>
        Add(Opcode.Exec, "execve", argv[0], new Operand(0, List: candidates), new Operand(0, List: argv), new Operand(0, List: env),
            new Operand(0, Filter: seccompFilter),
            (ulong)seccompFlags | (_execSlot is { } slot ? ProgramFormat.ExecFromSlot | ((ulong)slot << ProgramFormat.ExecSlotShift) : 0));

    /// <summary>The whole program: header, data, then the operations (8-byte aligned) and a closing zero word, so
    /// the last byte is a NUL as the interpreter checks.</summary>
    public Stage2Program Finish()
    {
        int opsAt = _data.Align();
        _ops.Written.CopyTo(_data.Reserve(_ops.Length));
        _data.Reserve(8);
        var (buffer, length) = _data.Detach();
        var header = buffer.AsSpan();
        BinaryPrimitives.WriteUInt32LittleEndian(header, ProgramFormat.Magic);
        BinaryPrimitives.WriteUInt32LittleEndian(header[4..], ProgramFormat.Version);
        BinaryPrimitives.WriteUInt32LittleEndian(header[ProgramFormat.HeaderOpCount..], (uint)_steps.Count);
        BinaryPrimitives.WriteUInt32LittleEndian(header[ProgramFormat.HeaderOps..], (uint)opsAt);
        BinaryPrimitives.WriteUInt32LittleEndian(header[ProgramFormat.HeaderLength..], (uint)length);
        BinaryPrimitives.WriteUInt32LittleEndian(header[ProgramFormat.HeaderFlags..], timing ? ProgramFormat.TimingFlag : 0);
        return new Stage2Program(buffer, length, _steps);
    }

    /// <summary>A growing byte buffer whose offsets count from the start of the program: for the data area, strings
    /// (each stored once), string arrays and filters.</summary>
    private sealed class Layout(int start, int capacity)
    {
        private Dictionary<string, uint>? _strings;
        private byte[] _bytes = new byte[Math.Max(capacity, start + 64)];
        private int _length = start;

        public int Length => _length;
        public ReadOnlySpan<byte> Written => _bytes.AsSpan(0, _length);

        public ulong Place(Operand o) =>
            o.Text is { } s ? String(s) : o.List is { } list ? Strings(list) : o.Filter is { } f ? Filter(f)
            : o.Block is { } b ? Block(b) : o.Number;

        public uint String(string s)
        {
            _strings ??= new(64, StringComparer.Ordinal);
            if (_strings.TryGetValue(s, out uint at)) return at;
            if (s.Contains('\0')) throw new KernelException("a NUL byte in", s.Replace('\0', '?'), Errno.InvalidArgument);
            at = (uint)_length;
            int n = Encoding.UTF8.GetByteCount(s);
            Encoding.UTF8.GetBytes(s, Reserve(n + 1)[..n]);
            _strings[s] = at;
            return at;
        }

        private uint Strings(IReadOnlyList<string> list)
        {
            Span<uint> offsets = list.Count <= 64 ? stackalloc uint[list.Count] : new uint[list.Count];
            for (int i = 0; i < list.Count; i++) offsets[i] = String(list[i]);
            uint at = (uint)Align();
            var words = Reserve(8 * (list.Count + 2));
            BinaryPrimitives.WriteUInt64LittleEndian(words, (ulong)list.Count);
            for (int i = 0; i < list.Count; i++) BinaryPrimitives.WriteUInt64LittleEndian(words[(8 + 8 * i)..], offsets[i]);
            return at; // the closing 0 word is already zero
        }

        /// <summary>{count of 8-byte words; the words}: a seccomp filter (one sock_filter a word) or a CPU mask.</summary>
        private uint Filter(byte[] words)
        {
            if (words.Length % 8 != 0) throw new ArgumentException("not a whole number of 8-byte words", nameof(words));
            uint at = (uint)Align();
            var block = Reserve(8 + words.Length);
            BinaryPrimitives.WriteUInt64LittleEndian(block, (ulong)(words.Length / 8));
            words.CopyTo(block[8..]);
            return at;
        }

        /// <summary>Raw bytes, 8-byte aligned, as the operation reads them.</summary>
        private uint Block(byte[] bytes)
        {
            uint at = (uint)Align();
            bytes.CopyTo(Reserve(bytes.Length));
            return at;
        }

        /// <summary>The buffer and how much of it is written; the layout is done with it.</summary>
        public (byte[] Buffer, int Length) Detach() => (_bytes, _length);

        /// <summary>Pads to a multiple of 8 and returns the new length.</summary>
        public int Align()
        {
            Reserve(((_length + 7) & ~7) - _length);
            return _length;
        }

        /// <summary>The next <paramref name="n"/> bytes of the buffer, zeroed.</summary>
        public Span<byte> Reserve(int n)
        {
            if (_length + n > _bytes.Length)
            {
                var bigger = new byte[Math.Max(_bytes.Length * 2, _length + n + 1024)];
                _bytes.AsSpan(0, _length).CopyTo(bigger);
                _bytes = bigger;
            }
            var span = _bytes.AsSpan(_length, n);
            _length += n;
            return span;
        }
    }
}
