using System.Diagnostics;
using System.IO.Pipelines;

namespace NsSandbox.Client.Tests;

/// <summary>Many runs at once: each gets its own output, the limit holds, and the queue drains in order.
/// Timing-sensitive, so it runs alone.</summary>
[Collection<Alone>]
public sealed class ConcurrencyTests
{
    [Fact]
    public async Task AHundredRunsAtOnceEachGetTheirOwnResult()
    {
        using var t = new TestSandbox(new NsSandboxClientOptions { MaxConcurrentRuns = 100 });
        // Each command waits for its input to close, so all hundred sandboxes are alive together before any ends.
        var inputs = Enumerable.Range(0, 100).Select(_ => new Pipe()).ToList();
        var clock = Stopwatch.StartNew();
        var runs = inputs.Select((input, i) => t.Client.RunAsync(new SandboxRequest
        {
            Command = ["/bin/sh", "-c", "cat >/dev/null; echo run $1", "sh", $"{i}"],
            Options = t.Options,
            StandardInput = input.Reader.AsStream(),
        }, Ct)).ToList();
        var deadline = DateTime.UtcNow.AddMinutes(1);
        int alive;
        while ((alive = HostProcesses.SandboxesWith(t.Marker)) < 100 && DateTime.UtcNow < deadline && !runs.Any(r => r.IsCompleted))
            await Task.Delay(20, Ct);
        var allStarted = clock.Elapsed;
        foreach (var input in inputs) await input.Writer.CompleteAsync();
        var results = await Task.WhenAll(runs).WaitAsync(TimeSpan.FromMinutes(1), Ct);
        for (int i = 0; i < results.Length; i++)
            Assert.True(results[i].Succeeded && results[i].StandardOutput.Text == $"run {i}\n", Describe(i, results[i]));
        Assert.Equal(100, alive);
        TestContext.Current.SendDiagnosticMessage($"100 sandboxes alive together after {allStarted.TotalSeconds:0.00} s, all done after {clock.Elapsed.TotalSeconds:0.00} s");
    }

    [Fact]
    public async Task TheLimitHoldsAndTheQueueDrains()
    {
        using var t = new TestSandbox(new NsSandboxClientOptions { MaxConcurrentRuns = 8 });
        using var sampler = new LoadSampler(t.Client);
        var results = await Task.WhenAll(Enumerable.Range(0, 100).Select(i => t.Sh($"sleep 0.1; echo {i}", cancellationToken: Ct)))
            .WaitAsync(TimeSpan.FromMinutes(2), Ct);
        for (int i = 0; i < results.Length; i++)
            Assert.True(results[i].StandardOutput.Text == $"{i}\n", Describe(i, results[i]));
        Assert.Equal(8, sampler.MaxRunning);
        Assert.InRange(sampler.MaxQueued, 50, 92);
        Assert.Contains(results, r => r.QueueTime > TimeSpan.FromMilliseconds(100));
        Assert.Equal((0, 0), (t.Client.RunningCount, t.Client.QueuedCount));
    }

    [Fact]
    public async Task AFullQueueRefusesTheRun()
    {
        using var t = new TestSandbox(new NsSandboxClientOptions { MaxConcurrentRuns = 1, MaxQueuedRuns = 1 });
        var running = t.Sh("sleep 1", cancellationToken: Ct);
        var queued = t.Sh("true", cancellationToken: Ct);
        await Assert.ThrowsAsync<SandboxQueueFullException>(() => t.Sh("true", cancellationToken: Ct));
        Assert.True((await running).Succeeded && (await queued).Succeeded);
    }

    private static string Describe(int i, SandboxResult r) =>
        $"run {i}: {r.Outcome} {r.ExitCode} {r.LauncherExitCode} {r.Message} stdout [{r.StandardOutput.Text}] stderr [{r.StandardError.Text}]";

    /// <summary>Samples the client's running and queued counts every few milliseconds while a test runs.</summary>
    private sealed class LoadSampler : IDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _loop;

        public LoadSampler(NsSandboxClient client) => _loop = Task.Run(async () =>
        {
            while (!_stop.IsCancellationRequested)
            {
                MaxRunning = Math.Max(MaxRunning, client.RunningCount);
                MaxQueued = Math.Max(MaxQueued, client.QueuedCount);
                await Task.Delay(2);
            }
        });

        public int MaxRunning { get; private set; }

        public int MaxQueued { get; private set; }

        public void Dispose()
        {
            _stop.Cancel();
            _loop.Wait(TimeSpan.FromSeconds(10));
        }
    }
}
