namespace NsSandbox.Client;

/// <summary>The nssandbox binary was not found where the client looked.</summary>
public sealed class NsSandboxNotFoundException(string message) : FileNotFoundException(message);

/// <summary>A run was refused because <see cref="NsSandboxClientOptions.MaxQueuedRuns"/> runs already wait.</summary>
public sealed class SandboxQueueFullException(string message) : InvalidOperationException(message);

/// <summary>A session could not create its workspace or move a file, with the launcher's or the command's reason.</summary>
public sealed class SandboxSessionException(string message, SandboxResult? result = null) : IOException(message)
{
    /// <summary>The run that failed, when there was one.</summary>
    public SandboxResult? Result { get; } = result;
}
