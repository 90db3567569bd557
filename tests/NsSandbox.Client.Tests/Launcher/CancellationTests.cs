using System.Diagnostics;
using System.Text;

namespace NsSandbox.Client.Tests;

/// <summary>Cancelling a run mid-way ends the sandbox promptly and leaves nothing: no process, mount, cgroup or
/// run directory.</summary>
public sealed class CancellationTests : IDisposable
{
    private const string Busy = "sleep 60 & sleep 60 & echo started; wait";
    private readonly TestSandbox _t = new();
    private readonly string _cgroupParent = "/nss-client-test-" + Guid.NewGuid().ToString("N");

    public void Dispose()
    {
        try
        {
            _t.Dispose();
        }
        finally
        {
            // The launcher made the parent cgroup; the test removes it (rmdir, which an empty cgroup allows).
            foreach (string dir in CgroupMounts.Directories(_cgroupParent)) Directory.Delete(dir);
        }
    }

    [Fact]
    public async Task CancellingKillsTheSandboxAtOnceAndLeavesNothing()
    {
        var elapsed = await CancelOnceStarted(_t.Options);
        Assert.InRange(elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(5));
        TestContext.Current.SendDiagnosticMessage($"cancelled run gone after {elapsed.TotalMilliseconds:0} ms");
        await AssertNothingLeft();
    }

    [Fact]
    public async Task CancellingARunWithACgroupRemovesItsCgroup()
    {
        Machine.RequireCgroup("pids");
        await CancelOnceStarted(_t.Options with { Cgroup = new CgroupOptions { PidsMax = 64, Parent = _cgroupParent } });
        await AssertNothingLeft();
        var parents = CgroupMounts.Directories(_cgroupParent).ToList();
        Assert.NotEmpty(parents); // the launcher made it: the run had a cgroup
        Assert.All(parents, p => Assert.Empty(Directory.GetDirectories(p)));
    }

    [Fact]
    public async Task WithAGracePeriodTheLauncherEndsTheRunItself()
    {
        using var t = new TestSandbox(new NsSandboxClientOptions { CancellationGracePeriod = TimeSpan.FromSeconds(10) });
        var elapsed = await CancelOnceStarted(t.Options, t.Client);
        // SIGINT reaches the launcher, which passes it on (and kills the sandbox 2 s later if ignored): it ends
        // the run itself, well before the client would kill it.
        Assert.InRange(elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(9));
        Assert.Empty(await HostProcesses.GoneWithin(t.Marker, TimeSpan.FromSeconds(5)));
        Assert.Empty(t.RunDirectories());
    }

    [Fact]
    public async Task ARunCancelledWhileQueuedNeverStarts()
    {
        using var t = new TestSandbox(new NsSandboxClientOptions { MaxConcurrentRuns = 1 });
        var running = t.Sh("sleep 1", cancellationToken: Ct);
        using var cts = new CancellationTokenSource();
        var queued = t.Sh("echo ran", cancellationToken: cts.Token);
        Assert.Equal(1, t.Client.QueuedCount);
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => queued);
        Assert.Equal(0, t.Client.QueuedCount);
        Assert.True((await running).Succeeded);
    }

    /// <summary>Starts <see cref="Busy"/>, cancels once it said "started", and returns how long the run took to
    /// end after the cancellation.</summary>
    private async Task<TimeSpan> CancelOnceStarted(SandboxOptions options, NsSandboxClient? client = null)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var cancelledAt = new TaskCompletionSource<long>();
        var run = (client ?? _t.Client).RunAsync(new SandboxRequest
        {
            Command = ["/bin/sh", "-c", Busy],
            Options = options,
            OnStandardOutput = (chunk, _) =>
            {
                if (Encoding.UTF8.GetString(chunk.Span).Contains("started"))
                {
                    cancelledAt.TrySetResult(Stopwatch.GetTimestamp());
                    cts.Cancel();
                }
                return ValueTask.CompletedTask;
            },
        }, cts.Token);
        var e = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run.WaitAsync(TimeSpan.FromMinutes(1), Ct));
        Assert.Equal(cts.Token, e.CancellationToken);
        return Stopwatch.GetElapsedTime(await cancelledAt.Task);
    }

    private async Task AssertNothingLeft()
    {
        Assert.Empty(await HostProcesses.GoneWithin(_t.Marker, TimeSpan.FromSeconds(5)));
        Assert.Empty(_t.RunDirectories());
        Assert.Empty(_t.Mounts());
    }
}
