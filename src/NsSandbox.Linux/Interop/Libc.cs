using System.Runtime.InteropServices;

namespace NsSandbox.Linux.Interop;

/// <summary>libc entry points used by the launcher. Linked directly into the NativeAOT binary
/// (DirectPInvoke), so no library is loaded at run time.</summary>
internal static unsafe partial class Libc
{
    private const string Lib = "libc";

    [LibraryImport(Lib, EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int Statx(int dirFd, string path, int flags, uint mask, byte* buffer);

    [LibraryImport(Lib, EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int Open(string path, int flags, uint mode);

    [LibraryImport(Lib, EntryPoint = "close", SetLastError = true)]
    internal static partial int Close(int fd);

    [LibraryImport(Lib, EntryPoint = "eventfd", SetLastError = true)]
    internal static partial int EventFd(uint initialValue, int flags);

    [LibraryImport(Lib, EntryPoint = "access", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int Access(string path, int mode);

    [LibraryImport(Lib, EntryPoint = "chown", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int Chown(string path, uint uid, uint gid);

    [LibraryImport(Lib, EntryPoint = "lchown", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int Lchown(string path, uint uid, uint gid);

    [LibraryImport(Lib, EntryPoint = "getrlimit", SetLastError = true)]
    internal static partial int Getrlimit(int resource, Rlimit* limit);

    // glibc's wrappers change the ids of every thread of the process, not just the caller's.

    [LibraryImport(Lib, EntryPoint = "geteuid")]
    internal static partial uint Geteuid();

    [LibraryImport(Lib, EntryPoint = "getegid")]
    internal static partial uint Getegid();

    [LibraryImport(Lib, EntryPoint = "getpid")]
    internal static partial int Getpid();

    [LibraryImport(Lib, EntryPoint = "kill", SetLastError = true)]
    internal static partial int Kill(int pid, int signal);

    [LibraryImport(Lib, EntryPoint = "prctl", SetLastError = true)]
    internal static partial int Prctl(int option, nuint arg2, nuint arg3, nuint arg4, nuint arg5);

    [LibraryImport(Lib, EntryPoint = "pidfd_send_signal", SetLastError = true)]
    internal static partial int PidfdSendSignal(int pidFd, int signal, void* info, uint flags);

    [LibraryImport(Lib, EntryPoint = "wait4", SetLastError = true)]
    internal static partial int Wait4(int pid, int* status, int options, Rusage* usage);

    [LibraryImport(Lib, EntryPoint = "poll", SetLastError = true)]
    internal static partial int Poll(PollFd* fds, nuint count, int timeoutMs);

    [LibraryImport(Lib, EntryPoint = "socketpair", SetLastError = true)]
    internal static partial int Socketpair(int domain, int type, int protocol, int* fds);

    [LibraryImport(Lib, EntryPoint = "socket", SetLastError = true)]
    internal static partial int Socket(int domain, int type, int protocol);

    [LibraryImport(Lib, EntryPoint = "bind", SetLastError = true)]
    internal static partial int Bind(int fd, void* address, uint length);

    [LibraryImport(Lib, EntryPoint = "ptrace", SetLastError = true)]
    internal static partial nint Ptrace(int request, int pid, nint address, nint data);

    [LibraryImport(Lib, EntryPoint = "waitid", SetLastError = true)]
    internal static partial int Waitid(int idType, uint id, byte* info, int options);

    [LibraryImport(Lib, EntryPoint = "send", SetLastError = true)]
    internal static partial nint Send(int fd, byte* buffer, nuint length, int flags);

    [LibraryImport(Lib, EntryPoint = "recv", SetLastError = true)]
    internal static partial nint Recv(int fd, byte* buffer, nuint length, int flags);

    [LibraryImport(Lib, EntryPoint = "write", SetLastError = true)]
    internal static partial nint Write(int fd, byte* buffer, nuint length);

    [LibraryImport(Lib, EntryPoint = "flock", SetLastError = true)]
    internal static partial int Flock(int fd, int operation);

    [LibraryImport(Lib, EntryPoint = "memfd_create", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int MemfdCreate(string name, uint flags);

    [LibraryImport(Lib, EntryPoint = "execve", SetLastError = true)]
    internal static partial int Execve(byte* path, byte** argv, byte** envp);

    [LibraryImport(Lib, EntryPoint = "sched_getaffinity", SetLastError = true)]
    internal static partial int SchedGetaffinity(int pid, nuint size, byte* mask);

    [LibraryImport(Lib, EntryPoint = "strerror")]
    internal static partial byte* Strerror(int errno);

}

[StructLayout(LayoutKind.Sequential)]
internal struct Rlimit
{
    public ulong Cur;
    public ulong Max;
}

[StructLayout(LayoutKind.Sequential)]
internal struct PollFd
{
    public int Fd;
    public short Events;
    public short Revents;
}

[StructLayout(LayoutKind.Sequential)]
internal struct Timeval
{
    public long Sec;
    public long Usec;
}

/// <summary>struct rusage on x86_64/aarch64: two timevals and fourteen longs.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct Rusage
{
    public Timeval Utime;
    public Timeval Stime;
    public long MaxRssKiB;
    public fixed long Rest[13];
}
