using System.Text;
using NsSandbox.Linux.Interop;

namespace NsSandbox.Linux;

/// <summary>Writing a child's uid_map, setgroups and gid_map from the parent.</summary>
public static unsafe class UserNamespace
{
    private const int OWronly = 1, OCloexec = 0x80000;

    public static void WriteMaps(int pid, string uidMap, string gidMap, bool allowSetgroups)
    {
        Write($"/proc/{pid}/uid_map", uidMap);
        Write($"/proc/{pid}/setgroups", allowSetgroups ? "allow" : "deny");
        Write($"/proc/{pid}/gid_map", gidMap);
    }

    // One write(2) per file, as the kernel requires for the map files.
    private static void Write(string path, string content)
    {
        int fd = Libc.Open(path, OWronly | OCloexec, 0);
        KernelException.ThrowIfFailed(fd, "open", path);
        try
        {
            byte[] bytes = Encoding.ASCII.GetBytes(content);
            fixed (byte* p = bytes)
                if (Libc.Write(fd, p, (nuint)bytes.Length) != bytes.Length)
                    KernelException.ThrowIfFailed(-1, "write", path);
        }
        finally
        {
            Libc.Close(fd);
        }
    }
}
