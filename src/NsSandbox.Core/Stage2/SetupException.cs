using NsSandbox.Core.Channel;

namespace NsSandbox.Core.Stage2;

/// <summary>A setup step that failed inside the sandbox, already phrased for the user.</summary>
public sealed class SetupException(SetupError error) : Exception(error.Message)
{
    public SetupError Error { get; } = error;
}
