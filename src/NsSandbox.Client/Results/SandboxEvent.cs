namespace NsSandbox.Client;

/// <summary>Which output stream a line came from.</summary>
public enum SandboxStream
{
    /// <summary>Standard output.</summary>
    Output,
    /// <summary>Standard error.</summary>
    Error,
}

/// <summary>What <see cref="NsSandboxClient.StreamAsync"/> yields: output lines as they come, then the result.</summary>
public abstract record SandboxEvent;

/// <summary>One line of output (UTF-8 decoded, without its line end; a very long line comes in pieces).</summary>
/// <param name="Stream">The stream it came from.</param>
/// <param name="Text">The line.</param>
public sealed record SandboxOutputLine(SandboxStream Stream, string Text) : SandboxEvent;

/// <summary>The run's end: always the last event.</summary>
/// <param name="Result">The result, as <see cref="NsSandboxClient.RunAsync(SandboxRequest, CancellationToken)"/> returns it.</param>
public sealed record SandboxCompleted(SandboxResult Result) : SandboxEvent;
