using System.Security.Cryptography;
using System.Text;

namespace NsSandbox.Client.Tests;

/// <summary>What goes in and out of a run: binary standard input, non-ASCII arguments and environment,
/// streamed output.</summary>
public sealed class IoTests : IDisposable
{
    private readonly TestSandbox _t = new();

    public void Dispose() => _t.Dispose();

    [Fact]
    public async Task BinaryStandardInputArrivesByteForByte()
    {
        byte[] input = RandomNumberGenerator.GetBytes(3 * 1024 * 1024); // every byte value, past any pipe buffer
        var r = await _t.Client.RunAsync(new SandboxRequest
        {
            Command = ["/bin/cat"],
            Options = _t.Options,
            StandardInput = new MemoryStream(input),
            OutputLimitBytes = input.Length,
        }, Ct);
        Assert.True(r.Succeeded, r.StandardError.Text);
        Assert.False(r.StandardOutput.Truncated);
        Assert.True(input.AsSpan().SequenceEqual(r.StandardOutput.Bytes.Span));
    }

    [Fact]
    public async Task InputTheCommandDoesNotReadDoesNotHangTheRun()
    {
        var r = await _t.Client.RunAsync(new SandboxRequest
        {
            Command = ["/bin/true"],
            Options = _t.Options,
            StandardInput = new MemoryStream(new byte[16 * 1024 * 1024]),
        }, Ct);
        Assert.True(r.Succeeded);
    }

    [Fact]
    public async Task NonAsciiArgumentsAndEnvironmentArriveIntact()
    {
        string[] args = ["héllo wörld ✓", "日本語", "", "\"quoted\" 'single' $HOME `x` \\back", "tab\there", "--not-a-flag", "🙂"];
        var options = _t.Options with
        {
            Environment = new Dictionary<string, string?>(_t.Options.Environment!) { ["GRÜSS"] = "grüß dich = 🙂", ["EMPTY"] = "" },
        };
        // The shell's own environment as it was given (dash passes no name it could not use on to children).
        var r = await _t.Client.RunAsync(["/bin/sh", "-c", "printf '[%s]\\n' \"$@\"; tr '\\0' '\\n' < /proc/$$/environ | grep -E '^(GRÜSS|EMPTY)=' | sort", "sh", .. args], options, Ct);
        Assert.True(r.Succeeded, r.StandardError.Text);
        string expected = string.Concat(args.Select(a => $"[{a}]\n")) + "EMPTY=\nGRÜSS=grüß dich = 🙂\n";
        Assert.Equal(expected, r.StandardOutput.Text);
    }

    [Fact]
    public async Task StreamingYieldsLinesAsTheyComeThenTheResult()
    {
        var events = new List<SandboxEvent>();
        var request = new SandboxRequest { Command = ["/bin/sh", "-c", "for i in 1 2 3; do echo line $i; done; echo oops >&2; exit 4"], Options = _t.Options };
        await foreach (var e in _t.Client.StreamAsync(request, Ct)) events.Add(e);
        var lines = events.OfType<SandboxOutputLine>().ToList();
        Assert.Equal(["line 1", "line 2", "line 3"], lines.Where(l => l.Stream == SandboxStream.Output).Select(l => l.Text));
        Assert.Equal(["oops"], lines.Where(l => l.Stream == SandboxStream.Error).Select(l => l.Text));
        var done = Assert.IsType<SandboxCompleted>(events[^1]);
        Assert.Equal(4, done.Result.ExitCode);
        Assert.Equal("line 1\nline 2\nline 3\n", done.Result.StandardOutput.Text);
    }

    [Fact]
    public async Task LeavingTheStreamEarlyEndsTheRunAndLeavesNothing()
    {
        var request = new SandboxRequest { Command = ["/usr/bin/yes", "endless"], Options = _t.Options };
        int lines = 0;
        await foreach (var e in _t.Client.StreamAsync(request, Ct))
            if (e is SandboxOutputLine && ++lines == 1000) break;
        Assert.Equal(1000, lines);
        Assert.Empty(await HostProcesses.GoneWithin(_t.Marker, TimeSpan.FromSeconds(5)));
        Assert.Empty(_t.RunDirectories());
    }

    [Fact]
    public async Task ACallbackThatThrowsEndsTheRunWithItsException()
    {
        var run = _t.Client.RunAsync(new SandboxRequest
        {
            Command = ["/usr/bin/yes"],
            Options = _t.Options,
            OnStandardOutput = (_, _) => throw new InvalidDataException("consumer gave up"),
        }, Ct);
        var e = await Assert.ThrowsAsync<InvalidDataException>(() => run.WaitAsync(TimeSpan.FromSeconds(30), Ct));
        Assert.Equal("consumer gave up", e.Message);
        Assert.Empty(await HostProcesses.GoneWithin(_t.Marker, TimeSpan.FromSeconds(5)));
        Assert.Empty(_t.RunDirectories());
    }

    [Fact]
    public async Task AFirstLineComesBeforeTheRunEnds()
    {
        // The command waits for its stdin to close, which the test does only after it saw the first line.
        var input = new System.IO.Pipelines.Pipe();
        var request = new SandboxRequest
        {
            Command = ["/bin/sh", "-c", "echo ready; cat >/dev/null; echo end"],
            Options = _t.Options,
            StandardInput = input.Reader.AsStream(),
        };
        var seen = new List<string>();
        await foreach (var e in _t.Client.StreamAsync(request, Ct))
        {
            if (e is SandboxOutputLine { Text: var text })
            {
                seen.Add(text);
                if (text == "ready") await input.Writer.CompleteAsync();
            }
        }
        Assert.Equal(["ready", "end"], seen);
    }

    [Fact]
    public async Task CallbacksSeeEveryChunkWhateverTheLimit()
    {
        long seen = 0;
        var r = await _t.Client.RunAsync(new SandboxRequest
        {
            Command = ["/bin/sh", "-c", "head -c 1000000 /dev/zero"],
            Options = _t.Options,
            OutputLimitBytes = 10,
            OnStandardOutput = (chunk, _) => { seen += chunk.Length; return ValueTask.CompletedTask; },
        }, Ct);
        Assert.Equal((1_000_000L, 1_000_000L, 10), (seen, r.StandardOutput.TotalBytes, r.StandardOutput.Bytes.Length));
        Assert.True(r.StandardOutput.Truncated);
        Assert.Equal(Encoding.UTF8.GetString(new byte[10]), r.StandardOutput.Text);
    }
}
