using System.Runtime.InteropServices;

namespace NsSandbox.Linux.Interop;

/// <summary>Directory-relative calls: listings (<see cref="DirectoryEntries"/>) and removing a tree without
/// following its symlinks (<see cref="TreeRemoval"/>).</summary>
internal static unsafe partial class Libc
{
    [LibraryImport(Lib, EntryPoint = "openat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int OpenAt(int dirFd, string path, int flags, uint mode);

    [LibraryImport(Lib, EntryPoint = "unlinkat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int UnlinkAt(int dirFd, string path, int flags);

    [LibraryImport(Lib, EntryPoint = "fchownat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int FchownAt(int dirFd, string path, uint uid, uint gid, int flags);

    [LibraryImport(Lib, EntryPoint = "fchmodat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int FchmodAt(int dirFd, string path, uint mode, int flags);

    [LibraryImport(Lib, EntryPoint = "fchmod", SetLastError = true)]
    internal static partial int Fchmod(int fd, uint mode);

    [LibraryImport(Lib, EntryPoint = "getdents64", SetLastError = true)]
    internal static partial nint Getdents64(int fd, byte* buffer, nuint length);

    [LibraryImport(Lib, EntryPoint = "readlinkat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial nint ReadlinkAt(int dirFd, string path, byte* buffer, nuint size);
}
