using NsSandbox.Core.Timing;

namespace NsSandbox.Core.Channel;

/// <summary>What stage 2 said on the channel: a setup failure (it exits right after), its --trace_timing
/// stamps (sent just before the target's execve), or that it reached a point where it waits (a container).</summary>
public sealed record StageMessage(SetupError? Error, IReadOnlyList<TimingStamp>? Timing, StagePoint Point = StagePoint.None,
    int Descriptor = -1);

/// <summary>Where a container's stage 2 waits: paused for the parent's hooks, or set up and waiting for its start.</summary>
public enum StagePoint { None, Paused, Ready, Terminal }
