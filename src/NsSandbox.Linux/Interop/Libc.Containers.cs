using System.Runtime.InteropServices;

namespace NsSandbox.Linux.Interop;

/// <summary>Calls the OCI runtime makes in the parent: the exec fifo and joining namespaces by path.</summary>
internal static unsafe partial class Libc
{
    [LibraryImport(Lib, EntryPoint = "mkfifo", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int Mkfifo(string path, uint mode);

    [LibraryImport(Lib, EntryPoint = "setns", SetLastError = true)]
    internal static partial int Setns(int fd, int nsType);
}
