using System.Runtime.InteropServices;
using NsSandbox.Linux.Interop;

namespace NsSandbox.Linux;

/// <summary>Removes a directory tree that someone else wrote into, relative to open directory descriptors:
/// a symlink anywhere is removed itself, never followed; each directory is first taken over (lchown to the
/// caller, for a root without CAP_DAC_OVERRIDE, best effort) and given u+rwx back if its owner took them away.
/// One open, one listing and one removal per directory and one unlink per file: no path is looked up twice.</summary>
public static unsafe class TreeRemoval
{
    private const int AtFdCwd = -100, AtRemoveDir = 0x200, AtSymlinkNoFollow = 0x100, AtEmptyPath = 0x1000;
    private const int ORdonly = 0, ODirectory = 0x10000, ONofollow = 0x20000, OCloexec = 0x80000;
    private const uint UserRwx = 0x1c0; // 0700

    /// <summary>Removes <paramref name="path"/> (a file, a symlink or a whole directory); nothing when it does not
    /// exist. Throws <see cref="UnauthorizedAccessException"/> for EACCES/EPERM, else <see cref="IOException"/>.</summary>
    public static void Remove(string path)
    {
        string full = Path.GetFullPath(path).TrimEnd('/');
        if (full.Length == 0) throw new IOException("refusing to remove /");
        string parent = Path.GetDirectoryName(full)!;
        int parentFd = Libc.OpenAt(AtFdCwd, parent, ORdonly | ODirectory | OCloexec, 0);
        if (parentFd < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            if (errno == Errno.NoEntry) return;
            throw Failure("open", parent, errno);
        }
        try
        {
            RemoveEntry(parentFd, Path.GetFileName(full), full, isDirectory: null);
        }
        finally
        {
            Libc.Close(parentFd);
        }
    }

    // isDirectory: what the listing said, or null for the path given (unlinked first: EISDIR says directory).
    private static void RemoveEntry(int dirFd, string name, string display, bool? isDirectory)
    {
        if (isDirectory != true)
        {
            if (Libc.UnlinkAt(dirFd, name, 0) == 0) return;
            int errno = Marshal.GetLastPInvokeError();
            if (errno == Errno.NoEntry) return;
            if (errno != Errno.IsDirectory) throw Failure("unlink", display, errno);
        }
        RemoveDirectory(dirFd, name, display);
    }

    private static void RemoveDirectory(int parentFd, string name, string display)
    {
        Libc.FchownAt(parentFd, name, Libc.Geteuid(), Libc.Getegid(), AtSymlinkNoFollow);
        int fd = Libc.OpenAt(parentFd, name, ORdonly | ODirectory | ONofollow | OCloexec, 0);
        if (fd < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            if (errno == Errno.NoEntry) return;
            // Mode 0 (or no r/x) on a directory now ours: open it up and try once more.
            if (errno != Errno.AccessDenied || !OpenUp(parentFd, name)) throw Failure("open", display, errno);
            fd = Libc.OpenAt(parentFd, name, ORdonly | ODirectory | ONofollow | OCloexec, 0);
            if (fd < 0) throw Failure("open", display, Marshal.GetLastPInvokeError());
        }
        try
        {
            // Entries are removed with its write and search permissions: given back when its owner took them away.
            uint mode = ModeOf(fd, "", AtEmptyPath);
            if ((mode & UserRwx) != UserRwx) Libc.Fchmod(fd, UserRwx | (mode & 0xfff));
            foreach (var entry in DirectoryEntries.Read(fd, display))
                RemoveEntry(fd, entry.Name, display + "/" + entry.Name, entry.Type == FileType.Directory);
        }
        finally
        {
            Libc.Close(fd);
        }
        if (Libc.UnlinkAt(parentFd, name, AtRemoveDir) != 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            if (errno != Errno.NoEntry) throw Failure("rmdir", display, errno);
        }
    }

    // A directory now ours that cannot be opened for reading (mode 0, say): given u+rwx by name. The name was
    // just opened with O_NOFOLLOW and nobody else can write here (the sandbox is gone, runs/ is 0700).
    private static bool OpenUp(int parentFd, string name)
    {
        uint mode = ModeOf(parentFd, name, AtSymlinkNoFollow);
        return (mode & 0xF000) == 0x4000 && Libc.FchmodAt(parentFd, name, UserRwx | (mode & 0xfff), 0) == 0;
    }

    /// <summary>st_mode (type and permissions), or 0 when it cannot be read.</summary>
    private static uint ModeOf(int dirFd, string path, int flags)
    {
        const uint StatxType = 0x1, StatxMode = 0x2;
        const int ModeOffset = 0x1c; // stx_mode in struct statx
        byte* statx = stackalloc byte[256];
        return Libc.Statx(dirFd, path, flags, StatxType | StatxMode, statx) == 0 ? *(ushort*)(statx + ModeOffset) : 0u;
    }

    private static Exception Failure(string call, string path, int errno) => DirectoryEntries.Failure(call, path, errno);
}
