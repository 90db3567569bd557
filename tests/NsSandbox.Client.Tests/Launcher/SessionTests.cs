using System.Security.Cryptography;
using System.Text;

namespace NsSandbox.Client.Tests;

/// <summary>Sessions: one /data across runs, files in and out through the sandbox, removal on dispose.</summary>
public sealed class SessionTests : IDisposable
{
    private readonly TestSandbox _t = new();

    public void Dispose() => _t.Dispose();

    [Fact]
    public async Task FilesAndStateLastAcrossRunsAndDisposalRemovesThem()
    {
        string dir;
        await using (var session = await _t.Client.CreateSessionAsync(_t.Options, Ct))
        {
            dir = session.DataDirectory;
            Assert.StartsWith(_t.StateDirectory, dir);
            byte[] input = RandomNumberGenerator.GetBytes(200_000);
            await session.WriteFileAsync("in/data.bin", input, Ct);
            var first = await session.RunAsync(["/bin/sh", "-c", "id -u; sha256sum in/data.bin | cut -d' ' -f1 > sum; echo 1 >> count"], Ct);
            Assert.True(first.Succeeded, first.StandardError.Text);
            Assert.Equal("65534\n", first.StandardOutput.Text);
            var second = await session.RunAsync(["/bin/sh", "-c", "echo 2 >> count; cat count"], Ct);
            Assert.Equal("1\n2\n", second.StandardOutput.Text);
            Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(input)) + "\n", Encoding.ASCII.GetString(await session.ReadFileAsync("sum", cancellationToken: Ct)));
            var copy = new MemoryStream();
            await session.ReadFileAsync("in/data.bin", copy, Ct);
            Assert.Equal(input, copy.ToArray());
        }
        Assert.False(Directory.Exists(dir));
        Assert.Empty(_t.RunDirectories());
    }

    [Fact]
    public async Task MissingAndOversizedFilesAreErrorsWithTheReason()
    {
        await using var session = await _t.Client.CreateSessionAsync(_t.Options, Ct);
        var missing = await Assert.ThrowsAsync<SandboxSessionException>(() => session.ReadFileAsync("nope", cancellationToken: Ct));
        Assert.Contains("No such file or directory", missing.Message);
        await session.WriteFileAsync("big", new byte[5000], Ct);
        var big = await Assert.ThrowsAsync<SandboxSessionException>(() => session.ReadFileAsync("big", 4096, Ct));
        Assert.Contains("5000 bytes", big.Message);
        await Assert.ThrowsAsync<ArgumentException>(() => session.WriteFileAsync("../escape", new byte[1], Ct));
    }

    [Fact]
    public async Task LinksLeftByTheCodeReachNothingOnTheHost()
    {
        string outside = Path.Combine(_t.Directory, "outside");
        Directory.CreateDirectory(outside);
        File.WriteAllText(Path.Combine(outside, "keep"), "host file");
        await using (var session = await _t.Client.CreateSessionAsync(_t.Options, Ct))
        {
            var r = await session.RunAsync(["/bin/sh", "-c", $"ln -s /etc/shadow shadow; ln -s {outside} dir; ln -s {outside}/keep keep"], Ct);
            Assert.True(r.Succeeded, r.StandardError.Text);
            // Read and written as the sandbox's user, in its own view: the host's secret stays unreadable, and
            // a write through a link cannot reach the host's file.
            await Assert.ThrowsAsync<SandboxSessionException>(() => session.ReadFileAsync("shadow", cancellationToken: Ct));
            await Assert.ThrowsAsync<SandboxSessionException>(() => session.WriteFileAsync("keep", "changed"u8.ToArray(), Ct));
        }
        Assert.Equal("host file", File.ReadAllText(Path.Combine(outside, "keep")));
    }

    [Fact]
    public async Task DisposingEndsTheSessionsRuns()
    {
        var session = await _t.Client.CreateSessionAsync(_t.Options, Ct);
        var started = new TaskCompletionSource();
        var run = session.RunAsync(new SandboxRequest
        {
            Command = ["/bin/sh", "-c", "echo started; sleep 60"],
            OnStandardOutput = (_, _) => { started.TrySetResult(); return ValueTask.CompletedTask; },
        }, Ct);
        await started.Task.WaitAsync(TimeSpan.FromMinutes(1), Ct);
        await session.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30), Ct);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
        Assert.False(Directory.Exists(session.DataDirectory));
        Assert.Empty(await HostProcesses.GoneWithin(_t.Marker, TimeSpan.FromSeconds(5)));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => session.RunAsync(["/bin/true"], Ct));
    }

    [Fact]
    public async Task ASessionThatCannotBeMadeSaysWhy()
    {
        var e = await Assert.ThrowsAsync<SandboxSessionException>(() =>
            _t.Client.CreateSessionAsync(_t.Options with { Mounts = [SandboxMount.ReadOnly("/nonexistent")] }, Ct));
        Assert.Contains("bind mount /nonexistent: No such file or directory", e.Message);
        await Assert.ThrowsAsync<ArgumentException>(() => _t.Client.CreateSessionAsync(_t.Options with { KeepData = true }, Ct));
    }

    [Fact]
    public async Task ASessionStreamsToo()
    {
        await using var session = await _t.Client.CreateSessionAsync(_t.Options, Ct);
        await session.WriteFileAsync("greeting", "hello\n"u8.ToArray(), Ct);
        var lines = new List<string>();
        await foreach (var e in session.StreamAsync(new SandboxRequest { Command = ["/bin/cat", "greeting"] }, Ct))
            if (e is SandboxOutputLine line) lines.Add(line.Text);
        Assert.Equal(["hello"], lines);
    }
}
