using System.Buffers.Binary;
using NsSandbox.Linux;

namespace NsSandbox.Core.Channel;

/// <summary>Typed messages between the parent and stage 2 over a <see cref="SeqPacketSocket"/>.</summary>
public sealed class StageChannel(SeqPacketSocket socket) : IDisposable
{
    /// <summary>Raw message of the native shim when it could not start stage 2 ({magic, step, errno}).</summary>
    private const int ShimFailedMagic = 0x5348494d;
    private static readonly string[] ShimSteps = ["", "prctl(PR_SET_PDEATHSIG)", "close_range", "execve stage 2"];

    public SeqPacketSocket Socket { get; } = socket;

    public void Send(ChannelMessage message) => Socket.Send(ChannelCodec.Encode(message));

    /// <summary>The next message, or null when the peer closed the channel.</summary>
    public ChannelMessage? Receive()
    {
        byte[]? raw = Socket.Receive();
        if (raw is null) return null;
        if (raw.Length == 12 && BinaryPrimitives.ReadInt32LittleEndian(raw) == ShimFailedMagic)
        {
            int step = BinaryPrimitives.ReadInt32LittleEndian(raw.AsSpan(4));
            int errno = BinaryPrimitives.ReadInt32LittleEndian(raw.AsSpan(8));
            string name = step > 0 && step < ShimSteps.Length ? ShimSteps[step] : $"shim step {step}";
            return new ChannelMessage(MessageKind.SetupError)
            {
                Error = new SetupError(name, "/proc/self/exe", errno, $"{name}: {KernelException.Describe(errno)}"),
            };
        }
        try
        {
            return ChannelCodec.Decode(raw);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException("malformed message on the sync channel: " + e.Message, e);
        }
    }

    public void Dispose() => Socket.Dispose();
}
