using NsSandbox.Linux;
using NsSandbox.Linux.Net;

namespace NsSandbox.Core.Supervision;

/// <summary>A step of a launch failed in a way it has already phrased for the report.</summary>
public sealed class SetupException(SetupError error) : Exception(error.Message)
{
    public SetupError Error { get; } = error;
}

/// <summary>The failures a launch reports as a setup error (exit 126, the report's "error") rather than as a
/// crash of the launcher.</summary>
public static class SetupErrors
{
    public static SetupError? Describe(Exception e) => e switch
    {
        SetupException s => s.Error,
        KernelException k => new SetupError(k.Call, k.Subject, k.Errno, k.Message),
        NetworkException n => new SetupError("network", null, 0, n.Message),
        IOException or UnauthorizedAccessException or InvalidDataException => new SetupError("launch", null, 0, e.Message),
        _ => null,
    };
}
