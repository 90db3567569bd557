namespace NsSandbox.Linux;

/// <summary>The errno values the launcher tells apart (x86_64 and aarch64 share them).</summary>
public static class Errno
{
    public const int NotPermitted = 1;      // EPERM
    public const int NoEntry = 2;           // ENOENT
    public const int NoSuchDeviceOrAddress = 6; // ENXIO
    public const int NoSuchProcess = 3;     // ESRCH
    public const int Interrupted = 4;       // EINTR
    public const int BadDescriptor = 9;     // EBADF
    public const int WouldBlock = 11;       // EAGAIN
    public const int AccessDenied = 13;     // EACCES
    public const int Busy = 16;             // EBUSY
    public const int Exists = 17;           // EEXIST
    public const int IsDirectory = 21;      // EISDIR
    public const int InvalidArgument = 22;  // EINVAL
    public const int TooManyFiles = 24;     // EMFILE
    public const int ConnectionReset = 104; // ECONNRESET
    public const int NoBufferSpace = 105;   // ENOBUFS
}
