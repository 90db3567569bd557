using System.Text;

namespace NsSandbox.Client;

/// <summary>What a run wrote to one stream, up to the capture limit: the first bytes, and how many there were
/// in all. Whatever passed the limit was read and dropped, so the command never blocks on a full pipe.</summary>
public sealed class CapturedOutput
{
    /// <summary>Nothing captured.</summary>
    public static CapturedOutput Empty { get; } = new(ReadOnlyMemory<byte>.Empty, 0);

    private string? _text;

    /// <summary>A capture of <paramref name="bytes"/>, the first of <paramref name="totalBytes"/> written.</summary>
    public CapturedOutput(ReadOnlyMemory<byte> bytes, long totalBytes)
    {
        Bytes = bytes;
        TotalBytes = totalBytes;
    }

    /// <summary>The bytes kept, at most the limit.</summary>
    public ReadOnlyMemory<byte> Bytes { get; }

    /// <summary>How many bytes the stream carried, kept or not.</summary>
    public long TotalBytes { get; }

    /// <summary>Whether bytes were dropped at the limit.</summary>
    public bool Truncated => TotalBytes > Bytes.Length;

    /// <summary>The bytes kept as UTF-8 text (invalid sequences, and a character cut by the limit, become U+FFFD).</summary>
    public string Text => _text ??= Encoding.UTF8.GetString(Bytes.Span);

    /// <inheritdoc/>
    public override string ToString() => Text;
}
