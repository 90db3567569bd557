namespace NsSandbox.Linux.Cgroups;

/// <summary>The cgroup of one run: created with its limits before the child exists, holding the child before
/// it can exec the target, read after the run, and removed (every process in it killed first) on dispose.</summary>
public interface IRunCgroup : IDisposable
{
    int Version { get; }
    /// <summary>The leaf (for v1, the memory or first controller's leaf), for the report.</summary>
    string Path { get; }
    /// <summary>A descriptor for clone3's CLONE_INTO_CGROUP (v2), or -1 when the child is attached afterwards.</summary>
    int CloneIntoFd { get; }
    /// <summary>Descriptors of the leaves' v1 `tasks` files, for a child that joins itself at its start
    /// (<see cref="SpawnRequest.CgroupTasksFds"/>); empty for v2.</summary>
    IReadOnlyList<int> TasksFds => [];
    /// <summary>Moves a process in (v1; the OCI runtime's children). For v2 the child is born inside and this
    /// does nothing.</summary>
    void Attach(int pid);
    CgroupStats ReadStats();
}

/// <summary>Removal of a run's leaf (v1 or v2): kill what is left in it, wait for it to empty, rmdir. Used at
/// the end of a run and for the leaves of runs whose supervisor died.</summary>
public static class CgroupLeaf
{
    public static void Remove(string dir)
    {
        for (int attempt = 0; attempt < 300 && Directory.Exists(dir); attempt++)
        {
            var procs = CgroupFs.ReadPids(System.IO.Path.Combine(dir, "cgroup.procs"));
            if (procs.Count == 0 && TryRmdir(dir)) return;
            // cgroup.kill (v2, 5.14+) also gets processes forking at the moment; otherwise kill one by one.
            if (procs.Count > 0 && CgroupFs.TryWrite(System.IO.Path.Combine(dir, "cgroup.kill"), "1") != 0)
                CgroupFs.KillAll(procs);
            Thread.Sleep(10);
        }
        TryRmdir(dir);
    }

    private static bool TryRmdir(string dir)
    {
        try
        {
            Directory.Delete(dir);
            return true;
        }
        catch (DirectoryNotFoundException)
        {
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
