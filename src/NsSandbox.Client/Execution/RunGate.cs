namespace NsSandbox.Client;

/// <summary>The concurrency limit: at most <c>limit</c> holders at once, the others waiting first come, first
/// served (SemaphoreSlim promises no order), at most <c>maxQueued</c> of them. A waiter that is cancelled
/// leaves the queue.</summary>
internal sealed class RunGate(int limit, int maxQueued)
{
    private readonly object _lock = new();
    private readonly LinkedList<TaskCompletionSource> _waiting = new();
    private int _running;

    public int Running { get { lock (_lock) return _running; } }

    public int Queued { get { lock (_lock) return _waiting.Count; } }

    /// <summary>Waits for a place; dispose the result to give it up.</summary>
    public async ValueTask<IDisposable> EnterAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        LinkedListNode<TaskCompletionSource> node;
        lock (_lock)
        {
            if (_running < limit && _waiting.Count == 0)
            {
                _running++;
                return new Place(this);
            }
            if (_waiting.Count >= maxQueued)
                throw new SandboxQueueFullException($"{_waiting.Count} runs already wait for one of {limit} places");
            node = _waiting.AddLast(new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        }
        using (cancellationToken.Register(() => Abandon(node, cancellationToken)))
            await node.Value.Task.ConfigureAwait(false);
        return new Place(this);
    }

    private void Abandon(LinkedListNode<TaskCompletionSource> node, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (node.List is null) return; // it was handed a place already: it gives it back when done
            _waiting.Remove(node);
        }
        node.Value.TrySetCanceled(cancellationToken);
    }

    private void Release()
    {
        TaskCompletionSource? next = null;
        lock (_lock)
        {
            if (_waiting.First is { } first)
            {
                _waiting.RemoveFirst();
                next = first.Value; // the place passes on; _running stays
            }
            else
            {
                _running--;
            }
        }
        next?.TrySetResult();
    }

    private sealed class Place(RunGate gate) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0) gate.Release();
        }
    }
}
