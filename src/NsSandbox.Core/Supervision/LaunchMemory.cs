namespace NsSandbox.Core.Supervision;

/// <summary>What the launch allocated (the command line, spec, plan and program: a few hundred KiB of GC heap)
/// is garbage once the target runs. A supervisor whose run lasts past its first tick gives those pages back
/// (an aggressive collection decommits the free heap), so it holds little private memory while it waits; a
/// short run never pays for the collection.</summary>
public static class LaunchMemory
{
    public static void GiveBack() => GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);
}
