using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.InteropServices;
using NsSandbox.Core.Channel;
using NsSandbox.Linux;
using NsSandbox.Linux.Interop;
using NsSandbox.Linux.Stage2Code;

namespace NsSandbox.Core.Tests.Native;

/// <summary>The program format, messages, shim structs and exit statuses are written twice, in C (native/*.h) and
/// in C#: a small C program prints the C side (native/tests/nss_format_dump.c) and this compares.</summary>
public sealed class FormatAgreementTests
{
    private static readonly Lazy<Dictionary<string, string>> Dump = new(ReadDump);

    private static Dictionary<string, string> ReadDump()
    {
        using var dir = NativeTools.CreateTempDir();
        string exe = Path.Combine(dir.Path, "nss_format_dump");
        NativeTools.Make(dir.Path, exe);
        var (code, output) = NativeTools.Run(exe, [], TimeSpan.FromSeconds(30));
        Assert.Equal(0, code);
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split(' ', 2)).ToDictionary(f => f[0], f => f[1]);
    }

    private static Dictionary<string, string> C()
    {
        NativeTools.RequireTools("cc", "make");
        return Dump.Value;
    }

    private static long Value(Dictionary<string, string> c, string name) =>
        c.TryGetValue(name, out string? v) ? long.Parse(v, CultureInfo.InvariantCulture) : throw new KeyNotFoundException(name);

    // C name of each opcode -> C#.
    private static readonly Dictionary<string, Opcode> Opcodes = new()
    {
        ["NSS_OP_MOUNT"] = Opcode.Mount, ["NSS_OP_SETATTR"] = Opcode.SetAttributes, ["NSS_OP_OPEN_TREE"] = Opcode.OpenTree,
        ["NSS_OP_TREE_SETATTR"] = Opcode.TreeSetAttributes, ["NSS_OP_MOVE_MOUNT"] = Opcode.MoveMount, ["NSS_OP_CLOSE"] = Opcode.Close,
        ["NSS_OP_UMOUNT"] = Opcode.Unmount, ["NSS_OP_ENSURE_DIR"] = Opcode.EnsureDirectory, ["NSS_OP_ENSURE_FILE"] = Opcode.EnsureFile,
        ["NSS_OP_REQUIRE"] = Opcode.Require, ["NSS_OP_SYMLINK"] = Opcode.Symlink, ["NSS_OP_PIVOT_ROOT"] = Opcode.PivotRoot,
        ["NSS_OP_CHDIR"] = Opcode.ChangeDirectory, ["NSS_OP_SETHOSTNAME"] = Opcode.SetHostname, ["NSS_OP_LOOPBACK_UP"] = Opcode.LoopbackUp,
        ["NSS_OP_SETRLIMIT"] = Opcode.SetRlimit, ["NSS_OP_SETSID"] = Opcode.SetSid, ["NSS_OP_SETGROUPS_EMPTY"] = Opcode.SetGroupsEmpty,
        ["NSS_OP_SETRESGID"] = Opcode.SetResGid, ["NSS_OP_SETRESUID"] = Opcode.SetResUid, ["NSS_OP_DROP_CAPS"] = Opcode.DropCapabilities,
        ["NSS_OP_PDEATHSIG"] = Opcode.ParentDeathSignal, ["NSS_OP_MARK"] = Opcode.Mark, ["NSS_OP_EXEC"] = Opcode.Exec,
        ["NSS_OP_AWAIT_START"] = Opcode.AwaitStart, ["NSS_OP_OPEN"] = Opcode.Open, ["NSS_OP_AWAIT_FIFO"] = Opcode.AwaitFifo,
        ["NSS_OP_CAP_BOUNDING"] = Opcode.CapBounding, ["NSS_OP_CAPSET"] = Opcode.CapSet, ["NSS_OP_KEEPCAPS"] = Opcode.KeepCaps,
        ["NSS_OP_SETGROUPS"] = Opcode.SetGroups, ["NSS_OP_MKNOD"] = Opcode.MakeNode, ["NSS_OP_WRITE_FILE"] = Opcode.WriteFile,
        ["NSS_OP_PAUSE"] = Opcode.Pause, ["NSS_OP_FIND_EXEC"] = Opcode.FindExec, ["NSS_OP_SETCTTY"] = Opcode.SetControllingTerminal, ["NSS_OP_OPEN_PTY"] = Opcode.OpenPty, ["NSS_OP_SECCOMP"] = Opcode.Seccomp, ["NSS_OP_SETNS"] = Opcode.SetNamespace,
        ["NSS_OP_PERSONALITY"] = Opcode.SetPersonality,
        ["NSS_OP_SETPRIORITY"] = Opcode.SetPriority, ["NSS_OP_SETAFFINITY"] = Opcode.SetAffinity,
        ["NSS_OP_DISABLE_TSC"] = Opcode.DisableTsc, ["NSS_OP_NULL_FDS"] = Opcode.NullFds, ["NSS_OP_RMDIR"] = Opcode.RemoveDirectory,
        ["NSS_OP_RECV_TREE"] = Opcode.ReceiveTree,
    };

    [Fact]
    public void EveryOpcodeHasOneValueOnBothSidesAndAnOperandTableInTheTestsReader()
    {
        var c = C();
        var printed = c.Keys.Where(k => k.StartsWith("NSS_OP_", StringComparison.Ordinal) && k != "NSS_OP_LIMIT").ToList();
        // The dump lists the opcodes by name: NSS_OP_LIMIT proves none was left out of it.
        Assert.Equal(Enumerable.Range(1, (int)Value(c, "NSS_OP_LIMIT") - 1), printed.Select(k => (int)Value(c, k)).Order());
        Assert.Equal(Opcodes.Keys.Order(StringComparer.Ordinal), printed.Order(StringComparer.Ordinal));
        foreach (var (name, code) in Opcodes) Assert.True((long)code == Value(c, name), $"{name} {Value(c, name)} vs Opcode.{code} {(uint)code}");
        Assert.Equal(Opcodes.Values.Order(), Enum.GetValues<Opcode>().Order());
        Assert.All(Enum.GetValues<Opcode>(), code => Assert.True(ProgramReader.Operands.ContainsKey(code), $"ProgramReader has no operands for {code}"));
    }

    [Fact]
    public void ProgramHeaderOperationAndMessageConstantsAgree()
    {
        var c = C();
        Assert.Equal(ProgramFormat.Magic, Value(c, "NSS_PROG_MAGIC"));
        Assert.Equal(ProgramFormat.Version, Value(c, "NSS_PROG_VERSION"));
        Assert.Equal(ProgramFormat.Slots, Value(c, "NSS_PROG_SLOTS"));
        Assert.Equal(ProgramFormat.TimingFlag, Value(c, "NSS_PROG_TIMING"));
        Assert.Equal(ProgramFormat.MsgGo, Value(c, "NSS_MSG_GO"));
        Assert.Equal(ProgramFormat.MsgStart, Value(c, "NSS_MSG_START"));
        Assert.Equal(ProgramFormat.MsgStage2Failed, Value(c, "NSS_MSG_STAGE2_FAILED"));
        Assert.Equal(ProgramFormat.MsgTiming, Value(c, "NSS_MSG_TIMING"));
        Assert.Equal(ProgramFormat.MsgShimFailed, Value(c, "NSS_MSG_SHIM_FAILED"));
        Assert.Equal(ProgramFormat.MsgReady, Value(c, "NSS_MSG_READY"));
        Assert.Equal(ProgramFormat.MsgPaused, Value(c, "NSS_MSG_PAUSED"));
        Assert.Equal(ProgramFormat.MsgPty, Value(c, "NSS_MSG_PTY"));
        Assert.Equal(ProgramFormat.MsgTree, Value(c, "NSS_MSG_TREE"));
        Assert.Equal((long)ProgramFormat.ExecKeepPrivileges, Value(c, "NSS_EXEC_KEEP_PRIVS"));
        Assert.Equal((long)ProgramFormat.ExecFromSlot, Value(c, "NSS_EXEC_FROM_SLOT"));
        Assert.Equal((1L, 40), (Value(c, "NSS_EXEC_SLOT_OF_BIT_40"), ProgramFormat.ExecSlotShift)); // the slot at bits 40-55
        Assert.Equal(ProgramFormat.StampStarted, Value(c, "NSS_STAMP_STARTED"));
        Assert.Equal(ProgramFormat.StampGo, Value(c, "NSS_STAMP_GO"));

        Assert.Equal(ProgramFormat.HeaderSize, Value(c, "sizeof(nss_prog)"));
        Assert.Equal(0, Value(c, "offsetof(nss_prog,magic)"));
        Assert.Equal(4, Value(c, "offsetof(nss_prog,version)"));
        Assert.Equal(ProgramFormat.HeaderOpCount, Value(c, "offsetof(nss_prog,op_count)"));
        Assert.Equal(ProgramFormat.HeaderOps, Value(c, "offsetof(nss_prog,ops)"));
        Assert.Equal(ProgramFormat.HeaderLength, Value(c, "offsetof(nss_prog,length)"));
        Assert.Equal(ProgramFormat.HeaderFlags, Value(c, "offsetof(nss_prog,flags)"));
        Assert.Equal(ProgramFormat.OpSize, Value(c, "sizeof(nss_op)"));
        Assert.Equal(0, Value(c, "offsetof(nss_op,code)"));
        Assert.Equal(ProgramFormat.OpWhat, Value(c, "offsetof(nss_op,what)"));
        Assert.Equal(ProgramFormat.OpA, Value(c, "offsetof(nss_op,a)"));
        Assert.Equal(ProgramFormat.OpB, Value(c, "offsetof(nss_op,b)"));
        Assert.Equal(ProgramFormat.OpC, Value(c, "offsetof(nss_op,c)"));
        Assert.Equal(ProgramFormat.OpD, Value(c, "offsetof(nss_op,d)"));
        Assert.Equal(ProgramFormat.OpE, Value(c, "offsetof(nss_op,e)"));
    }

    [Fact]
    public void ExitStatusesAndTheSelfExecArgumentAgree()
    {
        var c = C();
        Assert.Equal(NsSandbox.Contract.ExitCodes.Setup, Value(c, "NSS_SETUP_EXIT"));
        Assert.Equal(NsSandbox.Contract.ExitCodes.NotFound, Value(c, "NSS_NOT_FOUND_EXIT"));
        Assert.Equal(SelfExec.StageArgument, c["NSS_EXECVE_STAGE"]);
    }

    [Fact]
    public void ShimStructsHaveTheSameLayout()
    {
        var c = C();
        Assert.Equal(Marshal.SizeOf<Shim.SpawnRequest>(), Value(c, "sizeof(nss_spawn_req)"));
        Assert.Equal(Shim.CgroupTasksMax, Value(c, "NSS_CGROUP_TASKS_MAX"));
        (string C, string Cs)[] request =
        [
            ("clone_flags", nameof(Shim.SpawnRequest.CloneFlags)), ("sync_fd", nameof(Shim.SpawnRequest.SyncFd)),
            ("cgroup_fd", nameof(Shim.SpawnRequest.CgroupFd)), ("program", nameof(Shim.SpawnRequest.Program)),
            ("program_length", nameof(Shim.SpawnRequest.ProgramLength)), ("stdio_fds[0]", nameof(Shim.SpawnRequest.StdinFd)),
            ("stdio_fds[1]", nameof(Shim.SpawnRequest.StdoutFd)), ("stdio_fds[2]", nameof(Shim.SpawnRequest.StderrFd)),
            ("die_with_parent", nameof(Shim.SpawnRequest.DieWithParent)),
            ("cgroup_tasks_count", nameof(Shim.SpawnRequest.CgroupTasksCount)), ("cgroup_tasks_fds", nameof(Shim.SpawnRequest.CgroupTasksFds)),
        ];
        foreach (var (cName, csName) in request)
            Assert.True(Value(c, $"offsetof(nss_spawn_req,{cName})") == Marshal.OffsetOf<Shim.SpawnRequest>(csName), $"nss_spawn_req.{cName} vs {csName}");

        Assert.Equal(Marshal.SizeOf<Shim.ChildHandle>(), Value(c, "sizeof(nss_child)"));
        (string C, string Cs)[] child =
        [
            ("pid", nameof(Shim.ChildHandle.Pid)), ("pidfd", nameof(Shim.ChildHandle.PidFd)), ("region", nameof(Shim.ChildHandle.Region)),
            ("region_size", nameof(Shim.ChildHandle.RegionSize)), ("dumpable", nameof(Shim.ChildHandle.Dumpable)),
            ("reserved", nameof(Shim.ChildHandle.Reserved)),
        ];
        foreach (var (cName, csName) in child)
            Assert.True(Value(c, $"offsetof(nss_child,{cName})") == Marshal.OffsetOf<Shim.ChildHandle>(csName), $"nss_child.{cName} vs {csName}");
    }

    [Fact]
    public void StageChannelNamesEveryShimStepAndReadsTheCStampLayout()
    {
        var c = C();
        var writer = new ProgramWriter(true);
        writer.Mark("mounts");
        writer.Exec(["/bin/true"], ["true"], [], null, 0);
        var (parent, child) = SeqPacketSocket.CreatePair();
        using var channel = new StageChannel(parent, writer.Finish());
        using (child)
        {
            foreach (string step in c.Keys.Where(k => k.StartsWith("NSS_STEP_", StringComparison.Ordinal)))
            {
                child.Send(Words(ProgramFormat.MsgShimFailed, (int)Value(c, step), 1));
                Assert.DoesNotContain("shim step", channel.Receive()!.Error!.Step);
            }

            // {magic, count, struct nss_stamp[count]} as C lays it out.
            int size = (int)Value(c, "sizeof(nss_stamp)"), opAt = (int)Value(c, "offsetof(nss_stamp,op)"), nsAt = (int)Value(c, "offsetof(nss_stamp,ns)");
            var msg = new byte[8 + 2 * size];
            BinaryPrimitives.WriteInt32LittleEndian(msg, ProgramFormat.MsgTiming);
            BinaryPrimitives.WriteInt32LittleEndian(msg.AsSpan(4), 2);
            BinaryPrimitives.WriteUInt32LittleEndian(msg.AsSpan(8 + opAt), ProgramFormat.StampGo);
            BinaryPrimitives.WriteInt64LittleEndian(msg.AsSpan(8 + nsAt), 7);
            BinaryPrimitives.WriteUInt32LittleEndian(msg.AsSpan(8 + size + opAt), 0);
            BinaryPrimitives.WriteInt64LittleEndian(msg.AsSpan(8 + size + nsAt), 9);
            child.Send(msg);
            var stamps = channel.Receive()!.Timing!;
            Assert.Equal([("go received", 7L), ("mounts", 9L)], stamps.Select(s => (s.Step, s.Ns)));
        }
    }

    private static byte[] Words(params int[] words)
    {
        var b = new byte[4 * words.Length];
        for (int i = 0; i < words.Length; i++) BinaryPrimitives.WriteInt32LittleEndian(b.AsSpan(4 * i), words[i]);
        return b;
    }
}
