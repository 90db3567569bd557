using System.Text;

namespace NsSandbox.Client.Tests;

public sealed class OutputTests
{
    [Fact]
    public async Task TheCaptureKeepsTheLimitAndCountsEverything()
    {
        var capture = new OutputCapture(1000, null);
        await capture.CopyFromAsync(new MemoryStream(Enumerable.Range(0, 300_000).Select(i => (byte)i).ToArray()), Ct);
        var r = capture.Result;
        Assert.Equal(1000, r.Bytes.Length);
        Assert.Equal(300_000, r.TotalBytes);
        Assert.True(r.Truncated);
        Assert.Equal(Enumerable.Range(0, 1000).Select(i => (byte)i), r.Bytes.ToArray());
    }

    [Fact]
    public async Task UnderTheLimitNothingIsTruncatedAndASinkSeesItAll()
    {
        var seen = new MemoryStream();
        var sink = new CallbackSink((chunk, ct) => seen.WriteAsync(chunk, ct));
        var capture = new OutputCapture(10, sink);
        await capture.CopyFromAsync(new MemoryStream("héllo"u8.ToArray()), Ct);
        Assert.False(capture.Result.Truncated);
        Assert.Equal("héllo", capture.Result.Text);
        Assert.Equal("héllo"u8.ToArray(), seen.ToArray());
    }

    [Fact]
    public async Task ALimitOfZeroKeepsNothing()
    {
        var capture = new OutputCapture(0, null);
        await capture.CopyFromAsync(new MemoryStream(new byte[5]), Ct);
        Assert.Equal((0, 5L, true), (capture.Result.Bytes.Length, capture.Result.TotalBytes, capture.Result.Truncated));
    }

    [Fact]
    public async Task LinesAreDecodedAcrossChunksAndTheLastOneWithoutAnEndComes()
    {
        var lines = new List<SandboxOutputLine>();
        var sink = new LineSink(SandboxStream.Error, (l, _) => { lines.Add(l); return ValueTask.CompletedTask; });
        byte[] text = Encoding.UTF8.GetBytes("grüß\r\n日本\n\nlast");
        foreach (byte b in text) await sink.WriteAsync(new[] { b }, Ct); // every character cut
        await sink.CompleteAsync(Ct);
        Assert.Equal(["grüß", "日本", "", "last"], lines.Select(l => l.Text));
        Assert.All(lines, l => Assert.Equal(SandboxStream.Error, l.Stream));
    }

    [Fact]
    public async Task AnEndlessLineComesInPieces()
    {
        var lines = new List<string>();
        var sink = new LineSink(SandboxStream.Output, (l, _) => { lines.Add(l.Text); return ValueTask.CompletedTask; });
        await sink.WriteAsync(Encoding.ASCII.GetBytes(new string('x', LineSink.MaxLineChars * 2 + 5)), Ct);
        await sink.CompleteAsync(Ct);
        Assert.Equal([LineSink.MaxLineChars, LineSink.MaxLineChars, 5], lines.Select(l => l.Length));
    }
}
