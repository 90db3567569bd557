using NsSandbox.Linux.Interop;

namespace NsSandbox.Linux;

public enum FileType { Directory, Regular, Symlink, Other }

/// <summary>The type of an inode, which .NET's FileSystemInfo cannot tell apart for fifos, sockets and devices.</summary>
public static unsafe class FileTypes
{
    private const int AtFdCwd = -100, AtSymlinkNoFollow = 0x100;
    private const uint StatxType = 0x1, StatxMode = 0x2, StatxUid = 0x8, StatxGid = 0x10;
    private const int UidOffset = 0x14, GidOffset = 0x18, ModeOffset = 0x1c; // in struct statx
    private const int StatxSize = 256;

    /// <summary>Null when the path does not exist (or cannot be looked up).</summary>
    public static FileType? Of(string path, bool followSymlinks)
    {
        byte* buffer = stackalloc byte[StatxSize];
        if (Libc.Statx(AtFdCwd, path, followSymlinks ? 0 : AtSymlinkNoFollow, StatxType, buffer) != 0) return null;
        int format = *(ushort*)(buffer + ModeOffset) & 0xF000;
        return format switch
        {
            0x4000 => FileType.Directory,
            0x8000 => FileType.Regular,
            0xA000 => FileType.Symlink,
            _ => FileType.Other,
        };
    }

    /// <summary>The permission bits (with setuid, setgid and sticky) and owner of a path, not following a final
    /// symlink; null when it does not exist (or cannot be looked up).</summary>
    public static (uint Mode, uint Uid, uint Gid)? Owner(string path)
    {
        byte* buffer = stackalloc byte[StatxSize];
        if (Libc.Statx(AtFdCwd, path, AtSymlinkNoFollow, StatxMode | StatxUid | StatxGid, buffer) != 0) return null;
        return ((uint)(*(ushort*)(buffer + ModeOffset) & 0xFFF), *(uint*)(buffer + UidOffset), *(uint*)(buffer + GidOffset));
    }
}
