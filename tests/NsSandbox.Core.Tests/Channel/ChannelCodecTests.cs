using System.Text.Json;
using System.Text.Json.Serialization;
using NsSandbox.Core.Channel;
using NsSandbox.Core.Plan;
using NsSandbox.Core.Timing;
using NsSandbox.Linux;

namespace NsSandbox.Core.Tests;

/// <summary>The channel's binary codec carries every field, and refuses anything that is not a whole message.</summary>
public sealed class ChannelCodecTests
{
    // Every property differs from its default, so a field the codec drops (or a new one it does not know)
    // shows up in the round trip.
    private static readonly MountOp FullMountOp = new(MountOpKind.Tmpfs, "/target")
    {
        Source = "/source", Handle = 3, Recursive = true, Flags = MountFlags.NoSuid | MountFlags.NoDev,
        Attributes = MountAttributes.ReadOnly, Data = "size=1m", Mode = 0x1ed, Directory = false,
    };

    private static readonly Plan.Plan FullPlan = new()
    {
        RunId = "20260101-000000-abcdef01",
        Namespaces = Namespaces.User | Namespaces.Pid,
        RootMountPoint = "/state/runs/r/root",
        MountOps = [FullMountOp, new MountOp(MountOpKind.PivotRoot, ".")],
        Hostname = "box",
        Rlimits = [new RlimitOp(RlimitResource.Nofile, 64, ulong.MaxValue)],
        Uid = 65534,
        Gid = 65533,
        ClearGroups = true,
        Cwd = "/data",
        Argv = ["/bin/sh", "-c", "echo ünïcode"],
        ExecCandidates = ["/bin/sh"],
        Env = ["A=1", "EMPTY="],
        DieWithParent = false,
        LoopbackUp = false,
        SeccompFilter = [1, 2, 3, 4, 5, 6, 7, 8],
        SeccompFlags = 2,
        TraceTiming = true,
    };

    // Only what is required, at zero: every property of the full samples must differ from these.
    private static readonly MountOp BareMountOp = new(MountOpKind.CloneTree, "");

    private static readonly Plan.Plan BarePlan = new()
    {
        RunId = "", Namespaces = 0, RootMountPoint = "", MountOps = [], Rlimits = [], Uid = 0, Gid = 0,
        ClearGroups = false, Cwd = "", Argv = [], ExecCandidates = [], Env = [],
    };

    private static string Show(Plan.Plan plan) => JsonSerializer.Serialize(plan, CodecTestJson.Default.Plan);

    private static string Show(MountOp op) => JsonSerializer.Serialize(op, CodecTestJson.Default.MountOp);

    [Fact]
    public void TheSamplesSetEveryProperty()
    {
        foreach (var (full, bare) in new[] { (Show(FullPlan), Show(BarePlan)), (Show(FullMountOp), Show(BareMountOp)) })
        {
            var bareProperties = JsonDocument.Parse(bare).RootElement.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetRawText());
            foreach (var property in JsonDocument.Parse(full).RootElement.EnumerateObject())
                Assert.False(bareProperties[property.Name] == property.Value.GetRawText(),
                    $"{property.Name} is left at its default in the sample: set it, and carry it in ChannelCodec");
        }
    }

    [Fact]
    public void APlanRoundTrips()
    {
        var decoded = ChannelCodec.Decode(ChannelCodec.Encode(new ChannelMessage(MessageKind.Plan) { Plan = FullPlan }));
        Assert.Equal(MessageKind.Plan, decoded.Kind);
        Assert.Null(decoded.Error);
        Assert.Null(decoded.Timing);
        Assert.Equal(Show(FullPlan), Show(decoded.Plan!));
    }

    [Fact]
    public void ErrorsAndTimingRoundTrip()
    {
        var message = new ChannelMessage(MessageKind.SetupError)
        {
            Error = new SetupError("mount", null, 2, "mount /data: no such file or directory"),
            Timing = [new TimingStamp("stage 2", "mounts", 123456789012)],
        };
        var decoded = ChannelCodec.Decode(ChannelCodec.Encode(message));
        Assert.Equal(message.Error, decoded.Error);
        Assert.Equal(message.Timing, decoded.Timing);
        Assert.Null(decoded.Plan);
    }

    [Fact]
    public void AnythingButAWholeMessageIsRefused()
    {
        byte[] whole = ChannelCodec.Encode(new ChannelMessage(MessageKind.Plan) { Plan = FullPlan });
        for (int length = 0; length < whole.Length; length++)
            Assert.Throws<InvalidDataException>(() => ChannelCodec.Decode(whole[..length]));
        Assert.Throws<InvalidDataException>(() => ChannelCodec.Decode([.. whole, 0]));
        byte[] wrongMagic = [.. whole];
        wrongMagic[0] ^= 0xff;
        Assert.Throws<InvalidDataException>(() => ChannelCodec.Decode(wrongMagic));
    }
}

[JsonSerializable(typeof(NsSandbox.Core.Plan.Plan))]
[JsonSerializable(typeof(MountOp))]
internal sealed partial class CodecTestJson : JsonSerializerContext;
