using System.Runtime.InteropServices;

namespace NsSandbox.Linux.Interop;

/// <summary>The calls the network helpers need: pipes whose ends a helper process inherits.</summary>
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
}
