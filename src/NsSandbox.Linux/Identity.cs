using NsSandbox.Linux.Interop;

namespace NsSandbox.Linux;

/// <summary>Who the launcher runs as.</summary>
public static class Identity
{
    public static uint EffectiveUid => Libc.Geteuid();
    public static uint EffectiveGid => Libc.Getegid();
    public static int ProcessId => Libc.Getpid();
}
