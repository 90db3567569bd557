using System.Buffers.Binary;
using NsSandbox.Core.Timing;
using NsSandbox.Linux;
using NsSandbox.Linux.Stage2Code;

namespace NsSandbox.Core.Channel;

/// <summary>The parent's end of the channel to stage 2 (a <see cref="SeqPacketSocket"/>): one go-ahead out, and
/// the native stage 2's fixed-layout messages in (native/nss_shim.h, native/nss_stage2.h).</summary>
public sealed class StageChannel(SeqPacketSocket socket, Stage2Program program) : IDisposable
{
    /// <summary>enum nss_step in native/nss_shim.h, by value.</summary>
    private static readonly string[] ShimSteps =
        ["", "prctl(PR_SET_PDEATHSIG)", "close_range", "dup sync channel", "dup stdin", "dup stdout", "dup stderr", "join the cgroup (v1 tasks)"];

    public SeqPacketSocket Socket { get; } = socket;

    /// <summary>The user mapping (and cgroup, network) are in place: stage 2 may build the sandbox.</summary>
    public void SendGo()
    {
        var go = new byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(go, ProgramFormat.MsgGo);
        Socket.Send(go);
    }

    /// <summary>The sandbox waiting at its await-start operation may exec its target.</summary>
    public void SendStart()
    {
        var start = new byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(start, ProgramFormat.MsgStart);
        Socket.Send(start);
    }

    /// <summary>The next message, or null when the peer closed the channel (the target's execve, or an exit).</summary>
    public StageMessage? Receive(bool descriptors = false)
    {
        int fd = -1;
        byte[]? raw = descriptors ? Socket.Receive(out fd) : Socket.Receive();
        if (raw is null) return null;
        int magic = raw.Length >= 4 ? BinaryPrimitives.ReadInt32LittleEndian(raw) : 0;
        if (raw.Length == 12 && magic is ProgramFormat.MsgShimFailed or ProgramFormat.MsgStage2Failed)
        {
            uint index = BinaryPrimitives.ReadUInt32LittleEndian(raw.AsSpan(4));
            int errno = BinaryPrimitives.ReadInt32LittleEndian(raw.AsSpan(8));
            return new StageMessage(magic == ProgramFormat.MsgShimFailed ? ShimError(index, errno) : StepError(index, errno), null);
        }
        if (raw.Length == 4 && magic == ProgramFormat.MsgPty && fd >= 0) return new StageMessage(null, null, StagePoint.Terminal, fd);
        if (fd >= 0) Linux.ChildProcess.Close(fd); // a descriptor nothing asked for
        if (raw.Length == 4 && magic is ProgramFormat.MsgReady or ProgramFormat.MsgPaused)
            return new StageMessage(null, null, magic == ProgramFormat.MsgReady ? StagePoint.Ready : StagePoint.Paused);
        if (magic == ProgramFormat.MsgTiming && raw.Length >= 8)
        {
            int count = BinaryPrimitives.ReadInt32LittleEndian(raw.AsSpan(4));
            if (count >= 0 && raw.Length == 8 + 16 * count)
            {
                var stamps = new TimingStamp[count];
                for (int i = 0; i < count; i++)
                {
                    var s = raw.AsSpan(8 + 16 * i);
                    stamps[i] = new TimingStamp(LaunchTrace.Stage2, program.StampName(BinaryPrimitives.ReadUInt32LittleEndian(s)),
                        BinaryPrimitives.ReadInt64LittleEndian(s[8..]));
                }
                return new StageMessage(null, stamps);
            }
        }
        throw new InvalidDataException($"malformed message on the sync channel ({raw.Length} bytes)");
    }

    private static SetupError ShimError(uint step, int errno)
    {
        string name = step > 0 && step < ShimSteps.Length ? ShimSteps[step] : $"shim step {step}";
        return new SetupError(name, null, errno, $"{name}: {KernelException.Describe(errno)}");
    }

    /// <summary>The failed operation named as the sandbox sees it: "move_mount /data: Permission denied".</summary>
    private SetupError StepError(uint index, int errno)
    {
        var step = program.At(index);
        string call = step?.Call ?? "stage 2", what = step is null ? "stage 2" : Stage2Program.Describe(step.Call, step.Subject);
        return new SetupError(call, Stage2Program.SandboxPath(step?.Subject), errno, $"{what}: {KernelException.Describe(errno)}");
    }

    public void Dispose() => Socket.Dispose();
}
