namespace NsSandbox.Policy;

/// <summary>A position in a policy source: the file (or "&lt;string&gt;") and a 1-based line and column.</summary>
public readonly record struct SourceLocation(string File, int Line, int Column)
{
    public override string ToString() => $"{File}:{Line}:{Column}";
}

/// <summary>The only exception the policy compiler throws for bad input: one message with where it is.</summary>
public sealed class PolicyException(SourceLocation? location, string message) : Exception(message)
{
    public SourceLocation? Location { get; } = location;

    /// <summary>"file:line:column: message", or the message alone when no position applies.</summary>
    public string Diagnostic => Location is { } at ? $"{at}: {Message}" : Message;

    public override string ToString() => Diagnostic;
}
