namespace NsSandbox.Client;

/// <summary>One run: the command, its options, its input, and where its output goes besides the result.</summary>
public sealed record SandboxRequest
{
    /// <summary>The command's argv: [0] is a path inside the sandbox, or a name looked up in its PATH.</summary>
    public required IReadOnlyList<string> Command { get; init; }

    /// <summary>The run's options; null takes <see cref="NsSandboxClientOptions.DefaultOptions"/> (a session's
    /// own options in a session).</summary>
    public SandboxOptions? Options { get; init; }

    /// <summary>Standard input, read to its end (or until the command closes its side); none when null.</summary>
    public Stream? StandardInput { get; init; }

    /// <summary>How many bytes of each output stream the result keeps; null takes
    /// <see cref="NsSandboxClientOptions.OutputLimitBytes"/>. The rest is read and counted, then dropped.</summary>
    public int? OutputLimitBytes { get; init; }

    /// <summary>Receives standard output chunk by chunk as it comes, all of it whatever the limit. Awaited: a slow
    /// callback slows the command down through the pipe.</summary>
    public Func<ReadOnlyMemory<byte>, CancellationToken, ValueTask>? OnStandardOutput { get; init; }

    /// <summary>As <see cref="OnStandardOutput"/>, for standard error.</summary>
    public Func<ReadOnlyMemory<byte>, CancellationToken, ValueTask>? OnStandardError { get; init; }
}
