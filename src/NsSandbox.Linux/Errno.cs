namespace NsSandbox.Linux;

/// <summary>The errno values the launcher tells apart (x86_64 and aarch64 share them).</summary>
public static class Errno
{
    public const int NoEntry = 2;        // ENOENT
    public const int NoSuchProcess = 3;  // ESRCH
    public const int Interrupted = 4;    // EINTR
    public const int Busy = 16;          // EBUSY
    public const int ConnectionReset = 104; // ECONNRESET
}
