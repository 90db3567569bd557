namespace NsSandbox.Client.Tests;

public sealed class RunGateTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task WaitersGetPlacesInTheOrderTheyCame()
    {
        var gate = new RunGate(1, int.MaxValue);
        var first = await gate.EnterAsync(Ct);
        var order = new List<int>();
        var waiters = Enumerable.Range(0, 5).Select(i => Enter(gate, i, order)).ToList();
        Assert.Equal((1, 5), (gate.Running, gate.Queued));
        first.Dispose();
        await Task.WhenAll(waiters).WaitAsync(Bound, Ct);
        Assert.Equal([0, 1, 2, 3, 4], order);
        Assert.Equal((0, 0), (gate.Running, gate.Queued));
    }

    [Fact]
    public async Task ACancelledWaiterLeavesTheQueue()
    {
        var gate = new RunGate(1, int.MaxValue);
        using var held = await gate.EnterAsync(Ct);
        using var cts = new CancellationTokenSource();
        var waiting = gate.EnterAsync(cts.Token).AsTask();
        Assert.Equal(1, gate.Queued);
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting.WaitAsync(Bound, Ct));
        Assert.Equal((1, 0), (gate.Running, gate.Queued));
    }

    [Fact]
    public async Task AFullQueueRefusesAtOnce()
    {
        var gate = new RunGate(1, 1);
        using var held = await gate.EnterAsync(Ct);
        var queued = gate.EnterAsync(Ct).AsTask();
        await Assert.ThrowsAsync<SandboxQueueFullException>(async () => await gate.EnterAsync(Ct));
        held.Dispose();
        (await queued.WaitAsync(Bound, Ct)).Dispose();
        Assert.Equal(0, gate.Running);
    }

    [Fact]
    public async Task DisposingAPlaceTwiceGivesItBackOnce()
    {
        var gate = new RunGate(2, 0);
        var place = await gate.EnterAsync(Ct);
        using var other = await gate.EnterAsync(Ct);
        place.Dispose();
        place.Dispose();
        Assert.Equal(1, gate.Running);
    }

    private static async Task Enter(RunGate gate, int i, List<int> order)
    {
        using var place = await gate.EnterAsync(Ct);
        lock (order) order.Add(i);
    }
}
