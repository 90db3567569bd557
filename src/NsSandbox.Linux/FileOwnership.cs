using NsSandbox.Linux.Interop;

namespace NsSandbox.Linux;

public static class FileOwnership
{
    public static void Change(string path, uint uid, uint gid) =>
        KernelException.ThrowIfFailed(Libc.Chown(path, uid, gid), "chown", path);
}
