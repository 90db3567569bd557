namespace NsSandbox.Client;

/// <summary>The caller's standard input, with the first bytes read kept so that a launch that failed before its
/// command ran can be tried again with the same input (<see cref="LaunchRunner"/>). Such a launch reads
/// nothing: only the pipe's buffer and one copy buffer are taken from the stream, far less than the limit. Past
/// the limit nothing more is kept, and the input can no longer be replayed.</summary>
internal sealed class ReplayableInput(Stream inner, int keepLimit) : Stream
{
    private byte[] _kept = [];
    private int _keptLength;
    private int _replayAt = -1; // -1: reading from the stream
    private bool _overflowed;

    /// <summary>Starts the input again from its first byte; false when too much was read to do so.</summary>
    public bool TryRewind()
    {
        if (_overflowed) return false;
        _replayAt = 0;
        return true;
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_replayAt >= 0 && _replayAt < _keptLength)
        {
            int n = Math.Min(buffer.Length, _keptLength - _replayAt);
            _kept.AsMemory(_replayAt, n).CopyTo(buffer);
            _replayAt += n;
            return n;
        }
        int read = await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        Keep(buffer.Span[..read]);
        return read;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer, offset, count, CancellationToken.None).GetAwaiter().GetResult();

    private void Keep(ReadOnlySpan<byte> bytes)
    {
        if (_overflowed || bytes.IsEmpty) return;
        if (_keptLength + bytes.Length > keepLimit)
        {
            _overflowed = true;
            _kept = [];
            return;
        }
        if (_keptLength + bytes.Length > _kept.Length)
            Array.Resize(ref _kept, Math.Min(keepLimit, Math.Max(_keptLength + bytes.Length, 2 * _kept.Length)));
        bytes.CopyTo(_kept.AsSpan(_keptLength));
        _keptLength += bytes.Length;
    }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
