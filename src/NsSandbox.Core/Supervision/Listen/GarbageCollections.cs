namespace NsSandbox.Core.Supervision.Listen;

/// <summary>When a long-lived listener collects its garbage. A connection's plan and stage-2 program cost ~90 KiB
/// to make and ~35 KiB to keep, and the runtime lets ~17 MiB of garbage build up before its first collection
/// (its gen0 budget follows the CPU's cache, and a NativeAOT binary takes no setting for it but an environment
/// variable), memory it then keeps committed: a listener that serves for weeks would hold that for nothing. So
/// it collects, fully, after each <paramref name="everyBytes"/> its thread allocated: every dozen connections
/// for 1 MiB; little is alive, so it is quick (docs/benchmarks.md, "Mode listen").</summary>
internal sealed class GarbageCollections(long everyBytes)
{
    private long _allocatedAtLast = GC.GetAllocatedBytesForCurrentThread();

    /// <summary>Collects if the calling thread has allocated <c>everyBytes</c> since the last time.</summary>
    public void CollectIfDue()
    {
        long allocated = GC.GetAllocatedBytesForCurrentThread();
        if (allocated - _allocatedAtLast < everyBytes) return;
        GC.Collect();
        _allocatedAtLast = allocated;
    }
}
