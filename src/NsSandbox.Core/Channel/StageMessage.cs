using NsSandbox.Core.Timing;

namespace NsSandbox.Core.Channel;

/// <summary>What stage 2 said on the channel: a setup failure (it exits right after), or its --trace_timing
/// stamps (sent just before the target's execve).</summary>
public sealed record StageMessage(SetupError? Error, IReadOnlyList<TimingStamp>? Timing);
