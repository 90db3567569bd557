namespace NsSandbox.Client.Tests;

/// <summary>100 MB on each stream, capped: the run ends (no deadlock on a full pipe) and the client's memory
/// does not grow with the output.</summary>
[Collection<Alone>]
public sealed class LargeOutputTests : IDisposable
{
    private readonly TestSandbox _t = new();

    public void Dispose() => _t.Dispose();

    [Fact]
    public async Task AHundredMegabytesOnEachStreamAreCappedWithoutDeadlockOrMemoryGrowth()
    {
        const long Size = 100_000_000;
        const int Limit = 1024 * 1024;
        var request = new SandboxRequest
        {
            Command = ["/bin/sh", "-c", $"head -c {Size} /dev/zero & head -c {Size} /dev/zero >&2; wait"],
            Options = _t.Options,
            OutputLimitBytes = Limit,
        };
        await _t.Client.RunAsync(request with { Command = ["/bin/true"] }, Ct); // warm up: JIT, CliWrap's first use
        long before = GC.GetTotalAllocatedBytes(precise: true);
        var r = await _t.Client.RunAsync(request, Ct).WaitAsync(TimeSpan.FromMinutes(2), Ct);
        long allocated = GC.GetTotalAllocatedBytes(precise: true) - before;
        TestContext.Current.SendDiagnosticMessage($"200 MB through the client in {r.WallTime.TotalSeconds:0.00} s, {allocated / 1024} KiB allocated");
        Assert.True(r.Succeeded, r.Message);
        foreach (var output in new[] { r.StandardOutput, r.StandardError })
            Assert.Equal((Size, Limit, true), (output.TotalBytes, output.Bytes.Length, output.Truncated));
        // Two captures of 1 MiB and pooled read buffers: a few MiB, never the 200 MB that passed.
        Assert.InRange(allocated, 0, 16L * 1024 * 1024);
    }
}
