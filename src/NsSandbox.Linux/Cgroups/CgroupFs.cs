using System.Runtime.InteropServices;
using System.Text;
using NsSandbox.Linux.Interop;

namespace NsSandbox.Linux.Cgroups;

/// <summary>Reading and writing cgroup control files. A write is one write(2), as cgroupfs expects, and its
/// errno is kept (EBUSY from subtree_control means something different from EACCES).</summary>
public static unsafe class CgroupFs
{
    private const int OWronly = 1, OCloexec = 0x80000, ORdonly = 0, ODirectory = 0x10000;

    /// <summary>0 on success, else the errno.</summary>
    public static int TryWrite(string path, string text)
    {
        int fd = Libc.Open(path, OWronly | OCloexec, 0);
        if (fd < 0) return Marshal.GetLastPInvokeError();
        try
        {
            byte[] bytes = Encoding.ASCII.GetBytes(text);
            fixed (byte* p = bytes)
                return Libc.Write(fd, p, (nuint)bytes.Length) == bytes.Length ? 0 : Marshal.GetLastPInvokeError();
        }
        finally
        {
            Libc.Close(fd);
        }
    }

    public static void Write(string path, string text)
    {
        int errno = TryWrite(path, text);
        if (errno != 0) throw new KernelException("write", $"{path} ({text.Trim()})", errno);
    }

    public static string? TryRead(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>"key value" lines (memory.events, cpu.stat, pids.events, memory.oom_control) as a map.</summary>
    public static Dictionary<string, ulong> ReadKeyed(string path)
    {
        var map = new Dictionary<string, ulong>();
        foreach (string line in (TryRead(path) ?? "").Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            string[] parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length == 2 && ulong.TryParse(parts[1], out ulong v)) map[parts[0]] = v;
        }
        return map;
    }

    public static ulong? ReadNumber(string path) =>
        ulong.TryParse(TryRead(path)?.Trim(), out ulong v) ? v : null;

    public static IReadOnlyList<int> ReadPids(string path) =>
        (TryRead(path) ?? "").Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse).ToList();

    /// <summary>A descriptor of a cgroup directory, for clone3's CLONE_INTO_CGROUP (opened for reading: the
    /// kernel wants a directory it can check permissions on, not an O_PATH handle).</summary>
    public static int OpenDirectory(string path)
    {
        int fd = Libc.Open(path, ORdonly | ODirectory | OCloexec, 0);
        KernelException.ThrowIfFailed(fd, "open", path);
        return fd;
    }

    /// <summary>A control file opened for writing (close-on-exec), for a process that writes it later.</summary>
    public static int OpenForWriting(string path)
    {
        int fd = Libc.Open(path, OWronly | OCloexec, 0);
        KernelException.ThrowIfFailed(fd, "open", path);
        return fd;
    }

    /// <summary>Closes what <see cref="OpenDirectory"/> or <see cref="OpenForWriting"/> opened.</summary>
    public static void CloseDirectory(int fd) => Libc.Close(fd);

    public static void KillAll(IEnumerable<int> pids)
    {
        foreach (int pid in pids) Libc.Kill(pid, 9);
    }
}
