using System.Runtime.InteropServices;
using System.Text;
using NsSandbox.Linux.Interop;

namespace NsSandbox.Linux;

/// <summary>One entry of a directory listing: its name and, without following it, its type.</summary>
public readonly record struct DirectoryEntry(string Name, FileType Type);

/// <summary>Directory listings straight from getdents64: the type comes from d_type (a statx only where the
/// filesystem does not fill it in), and no entry is looked up by path. .NET's FileSystemInfo enumeration cost
/// a stat per entry and managed start-up work on every launch.</summary>
public static unsafe class DirectoryEntries
{
    private const int AtFdCwd = -100, AtSymlinkNoFollow = 0x100;
    private const int ORdonly = 0, ODirectory = 0x10000, OCloexec = 0x80000;
    private const int BufferSize = 8192;

    /// <summary>The entries of the directory at <paramref name="path"/> (symlinks followed to reach it), but . and ..</summary>
    public static List<DirectoryEntry> Read(string path)
    {
        int fd = Libc.OpenAt(AtFdCwd, path, ORdonly | ODirectory | OCloexec, 0);
        if (fd < 0) throw Failure("open", path, Marshal.GetLastPInvokeError());
        try
        {
            return Read(fd, path);
        }
        finally
        {
            Libc.Close(fd);
        }
    }

    /// <summary>Every entry but . and .. of an open directory, read to the end before the caller changes it (a
    /// listing changing under getdents may skip entries). <paramref name="display"/> names it in errors.</summary>
    public static List<DirectoryEntry> Read(int fd, string display)
    {
        var entries = new List<DirectoryEntry>();
        byte* buffer = stackalloc byte[BufferSize];
        while (true)
        {
            nint n = Libc.Getdents64(fd, buffer, BufferSize);
            if (n == 0) return entries;
            if (n < 0) throw Failure("getdents64", display, Marshal.GetLastPInvokeError());
            // struct linux_dirent64: u64 d_ino, s64 d_off, u16 d_reclen, u8 d_type, char d_name[] (NUL-terminated)
            for (nint offset = 0; offset < n;)
            {
                byte* entry = buffer + offset;
                ushort length = *(ushort*)(entry + 16);
                var name = new ReadOnlySpan<byte>(entry + 19, length - 19);
                name = name[..name.IndexOf((byte)0)];
                if (!name.SequenceEqual("."u8) && !name.SequenceEqual(".."u8))
                {
                    string text = Encoding.UTF8.GetString(name);
                    entries.Add(new DirectoryEntry(text, TypeOf(entry[18]) ?? TypeAt(fd, text)));
                }
                offset += length;
            }
        }
    }

    /// <summary>Where the symlink at <paramref name="path"/> points; null when it is not one.</summary>
    public static string? LinkTarget(string path)
    {
        byte* buffer = stackalloc byte[4096];
        nint n = Libc.ReadlinkAt(AtFdCwd, path, buffer, 4096);
        return n < 0 ? null : Encoding.UTF8.GetString(buffer, (int)n);
    }

    private static FileType? TypeOf(byte dType) => dType switch
    {
        4 => FileType.Directory,  // DT_DIR
        8 => FileType.Regular,    // DT_REG
        10 => FileType.Symlink,   // DT_LNK
        0 => null,                // DT_UNKNOWN: ask the inode
        _ => FileType.Other,
    };

    private static FileType TypeAt(int dirFd, string name)
    {
        const uint StatxType = 0x1;
        const int ModeOffset = 0x1c; // stx_mode in struct statx
        byte* statx = stackalloc byte[256];
        if (Libc.Statx(dirFd, name, AtSymlinkNoFollow, StatxType, statx) != 0) return FileType.Other;
        return (*(ushort*)(statx + ModeOffset) & 0xF000) switch
        {
            0x4000 => FileType.Directory,
            0x8000 => FileType.Regular,
            0xA000 => FileType.Symlink,
            _ => FileType.Other,
        };
    }

    internal static Exception Failure(string call, string path, int errno)
    {
        string message = $"{call} {path}: {KernelException.Describe(errno)}";
        return errno is Errno.NotPermitted or Errno.AccessDenied ? new UnauthorizedAccessException(message) : new IOException(message);
    }
}
