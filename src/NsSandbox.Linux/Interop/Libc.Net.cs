using System.Runtime.InteropServices;

namespace NsSandbox.Linux.Interop;

/// <summary>The calls the network helpers need (pipes whose ends a helper process inherits), and mode listen's
/// TCP socket.</summary>
internal static unsafe partial class Libc
{
    internal const int OCloexec = 0x80000;
    internal const int FSetfd = 2;

    [LibraryImport(Lib, EntryPoint = "pipe2", SetLastError = true)]
    internal static partial int Pipe2(int* fds, int flags);

    [LibraryImport(Lib, EntryPoint = "fcntl", SetLastError = true)]
    internal static partial int Fcntl(int fd, int cmd, int arg);

    [LibraryImport(Lib, EntryPoint = "read", SetLastError = true)]
    internal static partial nint Read(int fd, byte* buffer, nuint length);

    [LibraryImport(Lib, EntryPoint = "listen", SetLastError = true)]
    internal static partial int Listen(int fd, int backlog);

    [LibraryImport(Lib, EntryPoint = "accept4", SetLastError = true)]
    internal static partial int Accept4(int fd, void* address, uint* length, int flags);

    [LibraryImport(Lib, EntryPoint = "getsockname", SetLastError = true)]
    internal static partial int Getsockname(int fd, void* address, uint* length);

    [LibraryImport(Lib, EntryPoint = "setsockopt", SetLastError = true)]
    internal static partial int Setsockopt(int fd, int level, int name, void* value, uint length);
}
