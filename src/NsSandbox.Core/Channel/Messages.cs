namespace NsSandbox.Core.Channel;

public enum MessageKind
{
    /// <summary>Parent to stage 2, after the user mapping is written: the plan, which is also the go-ahead.</summary>
    Plan,
    /// <summary>Stage 2 to parent: setup failed; stage 2 exits right after.</summary>
    SetupError,
    /// <summary>Stage 2 to parent, just before it execs the target (--trace_timing only): its timestamps.</summary>
    Timing,
}

/// <summary>The one message type on the parent/stage-2 channel.</summary>
public sealed record ChannelMessage(MessageKind Kind)
{
    public Plan.Plan? Plan { get; init; }
    public SetupError? Error { get; init; }
    public IReadOnlyList<Timing.TimingStamp>? Timing { get; init; }
}

/// <summary>A failure inside stage 2: which step, on what path, with which errno.</summary>
public sealed record SetupError(string Step, string? Path, int Errno, string Message);
