using NsSandbox.Linux.Interop;

namespace NsSandbox.Linux;

/// <summary>Who the launcher runs as.</summary>
public static class Identity
{
    public static uint EffectiveUid => Libc.Geteuid();
    public static uint EffectiveGid => Libc.Getegid();
    public static int ProcessId => Libc.Getpid();

    /// <summary>Whether this process may write <paramref name="path"/> (access(2) with W_OK: the real ids, which
    /// are the effective ones for this launcher, which is never setuid).</summary>
    public static bool CanWrite(string path) => Libc.Access(path, 2) == 0;
}
