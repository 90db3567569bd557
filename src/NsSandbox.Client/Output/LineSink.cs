using System.Text;

namespace NsSandbox.Client;

/// <summary>Decodes a stream's chunks as UTF-8 and hands on whole lines (without the line end). A line longer
/// than <see cref="MaxLineChars"/> is handed on in pieces, so one endless line cannot grow memory.</summary>
internal sealed class LineSink(SandboxStream stream, Func<SandboxOutputLine, CancellationToken, ValueTask> emit) : IOutputSink
{
    internal const int MaxLineChars = 64 * 1024;
    private readonly Decoder _decoder = Encoding.UTF8.GetDecoder();
    private readonly StringBuilder _line = new();
    private char[] _chars = new char[1024];

    public async ValueTask WriteAsync(ReadOnlyMemory<byte> chunk, CancellationToken cancellationToken)
    {
        int needed = Encoding.UTF8.GetMaxCharCount(chunk.Length);
        if (_chars.Length < needed) _chars = new char[needed];
        int count = _decoder.GetChars(chunk.Span, _chars, flush: false);
        for (int i = 0; i < count; i++)
        {
            char c = _chars[i];
            if (c == '\n') await EmitAsync(cancellationToken).ConfigureAwait(false);
            else
            {
                _line.Append(c);
                if (_line.Length >= MaxLineChars) await EmitAsync(cancellationToken).ConfigureAwait(false);
            }
        }
    }

    public async ValueTask CompleteAsync(CancellationToken cancellationToken)
    {
        int count = _decoder.GetChars(ReadOnlySpan<byte>.Empty, _chars, flush: true);
        _line.Append(_chars, 0, count);
        if (_line.Length > 0) await EmitAsync(cancellationToken).ConfigureAwait(false);
    }

    private ValueTask EmitAsync(CancellationToken cancellationToken)
    {
        if (_line.Length > 0 && _line[^1] == '\r') _line.Length--;
        var line = new SandboxOutputLine(stream, _line.ToString());
        _line.Clear();
        return emit(line, cancellationToken);
    }
}
