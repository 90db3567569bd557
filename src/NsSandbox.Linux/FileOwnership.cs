using NsSandbox.Linux.Interop;

namespace NsSandbox.Linux;

public static class FileOwnership
{
    /// <summary>Makes the caller the owner of a path, never following a symlink (needs CAP_CHOWN); false when
    /// the kernel refuses.</summary>
    public static bool TryTake(string path) => Libc.Lchown(path, Identity.EffectiveUid, Identity.EffectiveGid) == 0;

    public static void Change(string path, uint uid, uint gid) =>
        KernelException.ThrowIfFailed(Libc.Chown(path, uid, gid), "chown", path);
}
