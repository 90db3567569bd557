using NsSandbox.Linux.Interop;

namespace NsSandbox.Linux;

/// <summary>An exclusive flock on a file, held for as long as the object lives (or the process does).</summary>
public sealed class LockFile : IDisposable
{
    private const int OCreat = 0x40, ORdwr = 2, OCloexec = 0x80000, LockSh = 1, LockEx = 2, LockNb = 4;
    private int _fd;

    private LockFile(int fd) => _fd = fd;

    /// <summary>Takes the lock, or returns null when another process holds it.</summary>
    public static LockFile? TryAcquire(string path, bool create)
    {
        int fd = Libc.Open(path, ORdwr | OCloexec | (create ? OCreat : 0), 0x180 /* 0600 */);
        if (fd < 0) return null;
        if (Libc.Flock(fd, LockEx | LockNb) != 0)
        {
            Libc.Close(fd);
            return null;
        }
        return new LockFile(fd);
    }

    /// <summary>Waits for a lock on a directory itself (no file is made), shared (many holders) or exclusive; for
    /// short critical sections between launchers, such as making a run directory while no stale scan runs.</summary>
    public static LockFile WaitOnDirectory(string path, bool shared)
    {
        const int ORdonly = 0, ODirectory = 0x10000;
        int fd = Libc.Open(path, ORdonly | ODirectory | OCloexec, 0);
        KernelException.ThrowIfFailed(fd, "open", path);
        while (Libc.Flock(fd, shared ? LockSh : LockEx) != 0)
        {
            int errno = System.Runtime.InteropServices.Marshal.GetLastPInvokeError();
            if (errno == Errno.Interrupted) continue;
            Libc.Close(fd);
            throw new KernelException("flock", path, errno);
        }
        return new LockFile(fd);
    }

    public void Dispose()
    {
        if (_fd >= 0) Libc.Close(_fd);
        _fd = -1;
    }
}
