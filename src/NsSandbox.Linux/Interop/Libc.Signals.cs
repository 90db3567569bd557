using System.Runtime.InteropServices;

namespace NsSandbox.Linux.Interop;

internal static unsafe partial class Libc
{
    [LibraryImport(Lib, EntryPoint = "signal", SetLastError = true)]
    internal static partial nint Signal(int signal, nint handler);
}
