using NsSandbox.Core.Plan;
using NsSandbox.Linux;

namespace NsSandbox.Core.Supervision;

/// <summary>The host directory of one run (state/runs/ID): the skeleton's mount point, the fresh /data and a
/// lock held while the run lives. Removed on dispose (all but /data when it is to be kept). A run whose
/// supervisor died leaves an unlocked directory that the next run removes.</summary>
public sealed class RunDirectory : IDisposable
{
    private const string LockName = ".lock";
    private readonly RunPaths _paths;
    private readonly bool _keepData;
    private LockFile? _lock;

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

        Directory.CreateDirectory(paths.RunDir!, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var lockFile = LockFile.TryAcquire(Path.Combine(paths.RunDir, LockName), create: true)
            ?? throw new IOException($"cannot lock {paths.RunDir}");
        var dir = new RunDirectory(paths, keepData, lockFile);
        try
        {
            Directory.CreateDirectory(paths.RootMountPoint);
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

    public void Dispose()
    {
        if (_lock is null) return;
        if (DataKept)
        {
            SafeDelete.Remove(_paths.RootMountPoint);
            File.Delete(Path.Combine(_paths.RunDir!, LockName));
        }
        else
        {
            SafeDelete.Remove(_paths.RunDir!);
        }
        _lock.Dispose();
        _lock = null;
    }

    /// <summary>Removes run directories whose lock nobody holds (their supervisor died). Kept /data
    /// directories have no lock file and stay.</summary>
    private static void RemoveStale(string runs)
    {
        foreach (var dir in Directory.EnumerateDirectories(runs))
        {
            string lockPath = Path.Combine(dir, LockName);
            if (!File.Exists(lockPath)) continue;
            using var stale = LockFile.TryAcquire(lockPath, create: false);
            if (stale is not null) SafeDelete.Remove(dir);
        }
    }
}
