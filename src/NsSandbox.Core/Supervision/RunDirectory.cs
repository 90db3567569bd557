using NsSandbox.Core.Plan;
using NsSandbox.Linux;
using NsSandbox.Linux.Cgroups;

namespace NsSandbox.Core.Supervision;

/// <summary>The host directory of one run (state/runs/ID), also the skeleton's mount point: the fresh /data and
/// a lock held while the run lives. Removed on dispose (all but /data when it is to be kept). A run whose
/// supervisor died leaves an unlocked directory that the next run removes, unless the run was handed over to a
/// process that outlives its supervisor (a created container) and that process still runs.</summary>
public sealed class RunDirectory : IDisposable
{
    private const string LockName = ".lock";
    /// <summary>The run's cgroup leaves, one path a line, written before each is created.</summary>
    private const string CgroupsName = "cgroups";
    /// <summary>"PID STARTTIME" of the process the run was handed over to (<see cref="HandOver"/>).</summary>
    private const string OwnerName = "owner";
    private readonly RunPaths _paths;
    private readonly bool _keepData;
    private LockFile? _lock;
    private bool _cgroupsRecorded;

    public bool DataKept => _keepData && _paths.OwnsDataDir;

    private RunDirectory(RunPaths paths, bool keepData, LockFile lockFile)
    {
        _paths = paths;
        _keepData = keepData;
        _lock = lockFile;
    }

    public static RunDirectory Create(RunPaths paths, uint dataUid, uint dataGid, bool keepData)
    {
        string runs = Path.GetDirectoryName(paths.RunDir ?? throw new ArgumentException("a run without a directory"))!;
        Directory.CreateDirectory(runs, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        // Only the launcher may enter runs/: a sandbox that can see the state directory (--chroot /) must not
        // reach another run's /data through it.
        File.SetUnixFileMode(runs, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        RemoveStale(runs);

        LockFile lockFile;
        // runs/ itself is locked shared while a run directory is made and locked, and exclusively while stale
        // ones are scanned: a scan never takes a new directory's lock before its owner does.
        using (LockFile.WaitOnDirectory(runs, shared: true))
        {
            Directory.CreateDirectory(paths.RunDir!, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            lockFile = LockFile.TryAcquire(Path.Combine(paths.RunDir, LockName), create: true)
                ?? throw new IOException($"cannot lock {paths.RunDir}");
        }
        var dir = new RunDirectory(paths, keepData, lockFile);
        try
        {
            if (paths.OwnsDataDir)
            {
                Directory.CreateDirectory(paths.DataDir!, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
                if (Identity.EffectiveUid == 0) FileOwnership.Change(paths.DataDir!, dataUid, dataGid);
            }
        }
        catch
        {
            dir.Dispose();
            throw;
        }
        return dir;
    }

    /// <summary>Notes a cgroup leaf of this run, so that if the supervisor dies the next run removes it.</summary>
    public void RecordCgroupLeaf(string path)
    {
        File.AppendAllText(Path.Combine(_paths.RunDir!, CgroupsName), path + "\n");
        _cgroupsRecorded = true;
    }

    /// <summary>The run lives on after its supervisor, as long as process <paramref name="pid"/> does: the
    /// stale scan leaves it alone until then. Whoever ends the run later removes the directory.</summary>
    public void HandOver(int pid)
    {
        string owner = ProcessStartTime.Describe(pid) ?? throw new IOException($"process {pid} is gone");
        File.WriteAllText(Path.Combine(_paths.RunDir!, OwnerName), owner + "\n");
    }

    public void Dispose()
    {
        if (_lock is null) return;
        try
        {
            if (_cgroupsRecorded) File.Delete(Path.Combine(_paths.RunDir!, CgroupsName));
            if (DataKept)
            {
                File.Delete(Path.Combine(_paths.RunDir!, LockName));
            }
            else
            {
                RemoveLockLast(_paths.RunDir!);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The run is over and reported; say what is left and how to remove it rather than abort.
            Console.Error.WriteLine($"nssandbox: could not remove the run directory {_paths.RunDir}: {e.Message} " +
                "(removing the sandbox's files needs CAP_DAC_OVERRIDE or CAP_CHOWN); `nssandbox cleanup` removes it later");
        }
        _lock.Dispose();
        _lock = null;
    }

    /// <summary>Removes run directories whose lock nobody holds (their supervisor died), and their cgroup
    /// leaves. Kept /data directories have no lock file and stay. Returns what it removed.</summary>
    public static IReadOnlyList<string> RemoveStale(string runs)
    {
        var removed = new List<string>();
        if (FileTypes.Of(runs, followSymlinks: true) != FileType.Directory) return removed;
        using var scanning = LockFile.WaitOnDirectory(runs, shared: false);
        foreach (var entry in DirectoryEntries.Read(runs))
        {
            if (entry.Type != FileType.Directory) continue;
            string dir = Path.Combine(runs, entry.Name);
            // No lock file (a kept /data) or a lock a live run holds: not stale.
            using var stale = LockFile.TryAcquire(Path.Combine(dir, LockName), create: false);
            if (stale is null) continue;
            // Handed over to a process that still runs (a created container): not stale either.
            string owner = Path.Combine(dir, OwnerName);
            if (File.Exists(owner) && ProcessStartTime.IsAlive(File.ReadAllText(owner))) continue;
            string cgroups = Path.Combine(dir, CgroupsName);
            if (File.Exists(cgroups))
                foreach (string leaf in File.ReadAllLines(cgroups).Where(l => l.Length > 0))
                {
                    CgroupLeaf.Remove(leaf);
                    removed.Add(leaf);
                }
            RemoveLockLast(dir);
            removed.Add(dir);
        }
        return removed;
    }

    /// <summary>Removes a run directory with its lock file last: a removal that fails half way (no descriptor left,
    /// a disk error) leaves a directory the stale scan still recognises and removes later, never an unlocked one
    /// it would take for a kept /data.</summary>
    private static void RemoveLockLast(string dir)
    {
        // A scan can take the lock of a directory whose owner has just removed it all and let go: nothing to do.
        if (FileTypes.Of(dir, followSymlinks: false) != FileType.Directory) return;
        foreach (var entry in DirectoryEntries.Read(dir))
            if (entry.Name != LockName) TreeRemoval.Remove(Path.Combine(dir, entry.Name));
        TreeRemoval.Remove(dir);
    }
}
