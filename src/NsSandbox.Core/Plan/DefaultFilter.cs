using NsSandbox.Policy.Syscalls;

namespace NsSandbox.Core.Plan;

/// <summary>configs/policies/default.policy, compiled when the launcher is built (DefaultFilter.g.cs, written by
/// tools/gen-default-filter.sh): a launch with the default policy copies these bytes and runs no part of the
/// policy compiler. The bytes are the binary's read-only data; a test fails while they are stale.</summary>
public static partial class DefaultFilter
{
    /// <summary>The filter's struct sock_filter bytes for <paramref name="arch"/>.</summary>
    public static ReadOnlySpan<byte> For(Arch arch) => arch switch
    {
        Arch.X86_64 => X86_64,
        Arch.Aarch64 => Aarch64,
        _ => throw new ArgumentOutOfRangeException(nameof(arch)),
    };
}
