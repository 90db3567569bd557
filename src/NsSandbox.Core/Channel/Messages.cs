using NsSandbox.Core.Timing;

namespace NsSandbox.Core.Channel;

/// <summary>A failure inside stage 2: which step, on what path, with which errno.</summary>
public sealed record SetupError(string Step, string? Path, int Errno, string Message);

/// <summary>What stage 2 said on the channel: a setup failure (it exits right after), or its --trace_timing
/// stamps (sent just before the target's execve).</summary>
public sealed record StageMessage(SetupError? Error, IReadOnlyList<TimingStamp>? Timing);
