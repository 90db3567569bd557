using System.Buffers;
using CliWrap;

namespace NsSandbox.Client;

/// <summary>The pipe target of one output stream: keeps the first <c>limit</c> bytes, counts the rest, and
/// hands every chunk to an optional sink (streaming). It reads to the end whatever the limit, so the command
/// never blocks on a full pipe, and holds no more than the limit and one buffer.</summary>
internal sealed class OutputCapture(int limit, IOutputSink? sink) : PipeTarget
{
    private const int ChunkSize = 64 * 1024;
    private byte[] _kept = [];
    private int _keptLength;
    private long _total;

    public CapturedOutput Result => new(_kept.AsMemory(0, _keptLength), _total);

    public override async Task CopyFromAsync(Stream origin, CancellationToken cancellationToken = default)
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent(ChunkSize);
        try
        {
            int n;
            while ((n = await origin.ReadAsync(buffer.AsMemory(0, ChunkSize), cancellationToken).ConfigureAwait(false)) > 0)
            {
                Keep(buffer.AsSpan(0, n));
                _total += n;
                if (sink is not null) await sink.WriteAsync(buffer.AsMemory(0, n), cancellationToken).ConfigureAwait(false);
            }
            if (sink is not null) await sink.CompleteAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private void Keep(ReadOnlySpan<byte> chunk)
    {
        int take = Math.Min(chunk.Length, limit - _keptLength);
        if (take <= 0) return;
        if (_keptLength + take > _kept.Length)
            Array.Resize(ref _kept, (int)Math.Min(limit, Math.Max(_keptLength + take, 2L * _kept.Length)));
        chunk[..take].CopyTo(_kept.AsSpan(_keptLength));
        _keptLength += take;
    }
}

/// <summary>Where a stream's chunks go as they arrive; awaited, so a slow consumer slows the command down
/// (through the pipe) rather than buffering without bound.</summary>
internal interface IOutputSink
{
    ValueTask WriteAsync(ReadOnlyMemory<byte> chunk, CancellationToken cancellationToken);

    ValueTask CompleteAsync(CancellationToken cancellationToken);
}
