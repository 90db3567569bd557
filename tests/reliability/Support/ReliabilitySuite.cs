using NsSandbox.EndToEnd.Tests;

// One test at a time: the load tests measure this process's descriptors and children, which a test running
// beside them would change. Each check is still tied to the runs its test made (its state directory, cgroup
// parent and the processes below this one), never to counts of the whole machine.
[assembly: Xunit.v3.Parallelization(Mode = Xunit.Sdk.ParallelMode.None)]
[assembly: AssemblyFixture(typeof(NsSandbox.Reliability.Tests.ReliabilitySuite))]

namespace NsSandbox.Reliability.Tests;

/// <summary>The suite's frame: this process becomes the subreaper of everything it starts (a launcher's orphans
/// come back to it, so they can be found), and at the end no process it started still runs and no mount names
/// its directory.</summary>
public sealed class ReliabilitySuite : IDisposable
{
    public ReliabilitySuite()
    {
        EndToEnd.Tests.Linux.Subreaper.Become();
        _ = SuiteDirectory.Root;
    }

    public void Dispose()
    {
        var mounts = SuiteDirectory.MountsOfTheSuite();
        var processes = Leftovers.LiveProcesses();
        if (mounts.Count == 0) Directory.Delete(SuiteDirectory.Root, recursive: true);
        if (mounts.Count > 0 || processes.Count > 0)
            throw new InvalidOperationException($"leaks after the reliability suite: mounts [{string.Join("; ", mounts)}], processes [{string.Join(", ", processes)}]");
    }
}
