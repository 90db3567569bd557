namespace NsSandbox.Client;

/// <summary>The value of one rlimit (soft and hard alike): a number in the resource's kernel unit (bytes for
/// as, core, data, fsize, stack, memlock and msgqueue; seconds for cpu; a count for nofile, nproc and rtprio), unlimited, or the
/// launcher's own soft or hard limit.</summary>
public readonly record struct RlimitValue(RlimitKind Kind, ulong Value)
{
    /// <summary>A number in the resource's kernel unit.</summary>
    public static RlimitValue Of(ulong value) => new(RlimitKind.Value, value);

    /// <summary>No limit (<c>inf</c>).</summary>
    public static RlimitValue Unlimited => new(RlimitKind.Infinity, 0);

    /// <summary>The launcher's current soft limit (<c>soft</c>).</summary>
    public static RlimitValue Soft => new(RlimitKind.Soft, 0);

    /// <summary>The launcher's hard limit (<c>hard</c>).</summary>
    public static RlimitValue Hard => new(RlimitKind.Hard, 0);

    /// <summary>The flag's text: sizes as bytes with a unit (the flag's bare numbers are MiB).</summary>
    internal string FlagText(RlimitResource resource) => Kind switch
    {
        RlimitKind.Infinity => "inf",
        RlimitKind.Soft => "soft",
        RlimitKind.Hard => "hard",
        _ when IsSize(resource) => $"{Value}B",
        _ => Value.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    private static bool IsSize(RlimitResource r) =>
        r is RlimitResource.As or RlimitResource.Core or RlimitResource.Data or RlimitResource.Fsize or RlimitResource.Stack
            or RlimitResource.Memlock;
}
