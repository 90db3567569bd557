using NsSandbox.Core.Supervision;
using NsSandbox.Linux;

namespace NsSandbox.Core.Tests;

/// <summary>Which per-run directories a new run removes: those whose lock nobody holds, and only those.</summary>
public sealed class StaleRunsTests : IDisposable
{
    private readonly string _runs = Directory.CreateTempSubdirectory("nss-stale-runs-").FullName;

    public void Dispose() => Directory.Delete(_runs, recursive: true);

    private string Run(string id, bool withLock)
    {
        string dir = Path.Combine(_runs, id);
        Directory.CreateDirectory(Path.Combine(dir, "data", "sub"));
        File.WriteAllText(Path.Combine(dir, "data", "sub", "f"), "x");
        if (withLock) File.WriteAllText(Path.Combine(dir, ".lock"), "");
        return dir;
    }

    [Fact]
    public void OnlyUnlockedRunDirectoriesAreRemoved()
    {
        string dead = Run("dead", withLock: true);
        string kept = Run("kept-data", withLock: false);
        string live = Run("live", withLock: true);
        File.WriteAllText(Path.Combine(_runs, "not-a-run"), "");
        using var held = LockFile.TryAcquire(Path.Combine(live, ".lock"), create: false);
        Assert.NotNull(held);

        var removed = RunDirectory.RemoveStale(_runs);

        Assert.Equal([dead], removed);
        Assert.False(Directory.Exists(dead));
        Assert.True(File.Exists(Path.Combine(kept, "data", "sub", "f")));
        Assert.True(Directory.Exists(live));
        Assert.True(File.Exists(Path.Combine(_runs, "not-a-run")));
    }

    [Fact]
    public void ARunHandedOverToALiveProcessIsKeptAndRemovedOnceItIsGone()
    {
        string handed = Run("handed", withLock: true);
        File.WriteAllText(Path.Combine(handed, "owner"), ProcessStartTime.Describe(Environment.ProcessId) + "\n");
        Assert.Empty(RunDirectory.RemoveStale(_runs));
        Assert.True(Directory.Exists(handed));

        // Same pid, another start time: a reused pid does not keep the run alive.
        File.WriteAllText(Path.Combine(handed, "owner"), $"{Environment.ProcessId} 1\n");
        Assert.Equal([handed], RunDirectory.RemoveStale(_runs));
    }

    [Fact]
    public async Task AScanNeverTakesARunDirectoryItsOwnerIsStillMaking()
    {
        // Launchers sharing a state directory: each scans runs/ for stale directories as it makes its own. A scan
        // that locked a new directory between its mkdir and its owner's lock would remove it under its owner.
        string runs = Path.Combine(_runs, "state", "runs");
        Directory.CreateDirectory(runs);
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(3));
        var scanner = Task.Run(() =>
        {
            while (!stop.IsCancellationRequested) RunDirectory.RemoveStale(runs);
        }, TestContext.Current.CancellationToken);
        var makers = Enumerable.Range(0, 4).Select(t => Task.Run(() =>
        {
            for (int i = 0; !stop.IsCancellationRequested; i++)
            {
                var paths = Core.Plan.RunPaths.For(Path.GetDirectoryName(runs)!, $"t{t}-{i}", null);
                using var dir = RunDirectory.Create(paths, 65534, 65534, keepData: false);
                Assert.True(Directory.Exists(paths.DataDir), $"{paths.RunDir} was removed under its owner");
            }
        }, TestContext.Current.CancellationToken)).ToArray();
        await Task.WhenAll([scanner, .. makers]).WaitAsync(TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken);
        Assert.Empty(Directory.GetFileSystemEntries(runs));
    }

    [Fact]
    public void AMissingRunsDirectoryHasNothingStale()
    {
        Assert.Empty(RunDirectory.RemoveStale(Path.Combine(_runs, "absent")));
    }
}
