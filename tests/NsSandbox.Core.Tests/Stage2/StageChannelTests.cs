using System.Buffers.Binary;
using NsSandbox.Core.Channel;
using NsSandbox.Linux;
using NsSandbox.Linux.Stage2Code;

namespace NsSandbox.Core.Tests;

/// <summary>The parent's reading of what the native stage 2 writes on the channel.</summary>
public sealed class StageChannelTests : IDisposable
{
    private readonly SeqPacketSocket _stage2;
    private readonly StageChannel _channel;
    private readonly Stage2Program _program;

    public StageChannelTests()
    {
        var writer = new ProgramWriter(true);
        int tree = writer.CloneTree("/srv/data", true);
        writer.AttachTree(tree, "./data");
        writer.Mark("mounts");
        writer.Exec(["/bin/true"], ["true"], [], null, 0);
        _program = writer.Finish();
        var (parent, child) = SeqPacketSocket.CreatePair();
        _stage2 = child;
        _channel = new StageChannel(parent, _program);
    }

    public void Dispose()
    {
        _channel.Dispose();
        _stage2.Dispose();
    }

    private static byte[] Words(params int[] words)
    {
        var b = new byte[4 * words.Length];
        for (int i = 0; i < words.Length; i++) BinaryPrimitives.WriteInt32LittleEndian(b.AsSpan(4 * i), words[i]);
        return b;
    }

    [Fact]
    public void GoAndStartAreOneWordEach()
    {
        _channel.SendGo();
        _channel.SendStart();
        Assert.Equal(Words(ProgramFormat.MsgGo), _stage2.Receive());
        Assert.Equal(Words(ProgramFormat.MsgStart), _stage2.Receive());
    }

    [Fact]
    public void AFailedOperationIsNamedWithTheSandboxPathAndErrno()
    {
        _stage2.Send(Words(ProgramFormat.MsgStage2Failed, 1, 13));
        var m = _channel.Receive();
        Assert.Equal(new SetupError("move_mount", "/data", 13, "move_mount /data: Permission denied"), m!.Error);
    }

    [Fact]
    public void AFailedExecNamesTheCommand()
    {
        _stage2.Send(Words(ProgramFormat.MsgStage2Failed, 3, 2));
        Assert.Equal(new SetupError("execve", "true", 2, "execve true: No such file or directory"), _channel.Receive()!.Error);
    }

    [Fact]
    public void TheShimsOwnFailureIsNamed()
    {
        _stage2.Send(Words(ProgramFormat.MsgShimFailed, 2, 9));
        Assert.Equal("close_range: Bad file descriptor", _channel.Receive()!.Error!.Message);
    }

    [Fact]
    public void AStdioDescriptorThatCannotBePlacedIsNamed()
    {
        _stage2.Send(Words(ProgramFormat.MsgShimFailed, 5, 9));
        Assert.Equal("dup stdout: Bad file descriptor", _channel.Receive()!.Error!.Message);
    }

    [Fact]
    public void TimestampsAreNamedByTheirOperation()
    {
        var msg = new byte[8 + 3 * 16];
        BinaryPrimitives.WriteInt32LittleEndian(msg, ProgramFormat.MsgTiming);
        BinaryPrimitives.WriteInt32LittleEndian(msg.AsSpan(4), 3);
        uint[] ops = [ProgramFormat.StampGo, 2, 3];
        for (int i = 0; i < 3; i++)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(msg.AsSpan(8 + 16 * i), ops[i]);
            BinaryPrimitives.WriteInt64LittleEndian(msg.AsSpan(16 + 16 * i), 1000 + i);
        }
        _stage2.Send(msg);
        var stamps = _channel.Receive()!.Timing!;
        Assert.Equal(["go received", "mounts", "exec"], stamps.Select(s => s.Step));
        Assert.Equal([1000L, 1001, 1002], stamps.Select(s => s.Ns));
        Assert.All(stamps, s => Assert.Equal("stage 2", s.Side));
    }

    [Fact]
    public void AnythingElseIsAProtocolErrorAndAClosedChannelIsNull()
    {
        _stage2.Send(Words(ProgramFormat.MsgTiming, 5));
        Assert.Throws<InvalidDataException>(() => _channel.Receive());
        _stage2.Dispose();
        Assert.Null(_channel.Receive());
    }
}
