namespace NsSandbox.Client;

/// <summary>Hands chunks to the caller's callback (<see cref="SandboxRequest.OnStandardOutput"/>).</summary>
internal sealed class CallbackSink(Func<ReadOnlyMemory<byte>, CancellationToken, ValueTask> callback) : IOutputSink
{
    public ValueTask WriteAsync(ReadOnlyMemory<byte> chunk, CancellationToken cancellationToken) => callback(chunk, cancellationToken);

    public ValueTask CompleteAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;
}
