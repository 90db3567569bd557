using System.Runtime.InteropServices;

namespace NsSandbox.EndToEnd.Tests.Linux;

/// <summary>chown and stat for test fixtures (the tests do not link the launcher's own Linux layer, so that
/// they check the binary's behaviour independently of its code).</summary>
public static unsafe partial class FileOwnershipForTests
{
    [LibraryImport("libc", EntryPoint = "chown", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int ChownNative(string path, uint uid, uint gid);

    [LibraryImport("libc", EntryPoint = "statx", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Statx(int dirFd, string path, int flags, uint mask, byte* buffer);

    public static void Chown(string path, uint uid, uint gid)
    {
        if (ChownNative(path, uid, gid) != 0) throw new IOException($"chown {path}: errno {Marshal.GetLastPInvokeError()}");
    }

    public static (uint Uid, uint Gid) OwnerOf(string path)
    {
        byte* buffer = stackalloc byte[256];
        if (Statx(-100, path, 0x100, 0x8 | 0x10, buffer) != 0) throw new IOException($"statx {path}: errno {Marshal.GetLastPInvokeError()}");
        return (*(uint*)(buffer + 20), *(uint*)(buffer + 24)); // stx_uid, stx_gid
    }
}
