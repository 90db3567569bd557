using System.Globalization;

namespace NsSandbox.Frontends.Cli;

/// <summary>Parsers for flag values; each throws <see cref="SpecException"/> naming the flag.</summary>
public static class Values
{
    public static ulong Count(string flag, string value) =>
        ulong.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out ulong n)
            ? n : throw new SpecException(flag, $"'{value}' is not a whole number");

    /// <summary>A size: bytes, or with a unit K, M, G, T (powers of 1024; a trailing B or iB is allowed).</summary>
    public static ulong Size(string flag, string value)
    {
        string v = value.Trim();
        string upper = v.ToUpperInvariant();
        if (upper.EndsWith("IB", StringComparison.Ordinal)) upper = upper[..^2];
        else if (upper.EndsWith('B')) upper = upper[..^1];
        int shift = upper.Length > 0 ? upper[^1] switch { 'K' => 10, 'M' => 20, 'G' => 30, 'T' => 40, _ => 0 } : 0;
        string digits = shift > 0 ? upper[..^1] : upper;
        if (!ulong.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out ulong n) || n > (ulong.MaxValue >> shift))
            throw new SpecException(flag, $"'{value}' is not a size (a number of bytes, or with K, M, G or T)");
        return n << shift;
    }

    /// <summary>A duration in seconds (fractions allowed) or with a unit: 500ms, 30s, 2m, 1h.</summary>
    public static TimeSpan Duration(string flag, string value)
    {
        string v = value.Trim().ToLowerInvariant();
        (string digits, double scale) = v switch
        {
            _ when v.EndsWith("ms", StringComparison.Ordinal) => (v[..^2], 0.001),
            _ when v.EndsWith('s') => (v[..^1], 1.0),
            _ when v.EndsWith('m') => (v[..^1], 60.0),
            _ when v.EndsWith('h') => (v[..^1], 3600.0),
            _ => (v, 1.0),
        };
        // TryParse takes "NaN" and "Infinity" whatever the styles say.
        if (!double.TryParse(digits, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double n) ||
            !double.IsFinite(n * scale) || n * scale > TimeSpan.MaxValue.TotalSeconds / 2)
            throw new SpecException(flag, $"'{value}' is not a duration (seconds, or with ms, s, m or h)");
        return TimeSpan.FromSeconds(n * scale);
    }

    /// <summary>An rlimit as nsjail takes it: a number in <paramref name="unit"/> (MiB for sizes, 1 for counts
    /// and seconds), or inf, soft/def (the launcher's soft limit) or hard/max. Sizes also take a unit (8G, 512M).</summary>
    public static RlimitSpec Rlimit(string flag, RlimitResource resource, string value, ulong unit) =>
        value.Trim().ToLowerInvariant() switch
        {
            "inf" or "unlimited" => new RlimitSpec(resource, RlimitKind.Infinity),
            "soft" or "def" => new RlimitSpec(resource, RlimitKind.Soft),
            "hard" or "max" => new RlimitSpec(resource, RlimitKind.Hard),
            var v when unit > 1 && v.Length > 0 && char.IsAsciiLetter(v[^1]) && TrySize(v) is { } bytes => new RlimitSpec(resource, RlimitKind.Value, bytes),
            var v when ulong.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out ulong n) => n <= ulong.MaxValue / unit
                ? new RlimitSpec(resource, RlimitKind.Value, n * unit)
                : throw new SpecException(flag, $"'{value}' is too large"),
            _ => throw new SpecException(flag, unit > 1
                ? $"'{value}' is not a limit: a number of {(unit == 1024 ? "KiB" : "MiB")}, a size (512M, 8G), or inf, soft, hard"
                : $"'{value}' is not a limit: a whole number, or inf, soft, hard"),
        };

    private static ulong? TrySize(string value)
    {
        try { return Size("", value); }
        catch (SpecException) { return null; }
    }

    /// <summary>SRC[:DST] for bind mounts; DST defaults to SRC.</summary>
    public static (string Source, string Target) BindPair(string flag, string value)
    {
        if (value.Length == 0) throw new SpecException(flag, "expects SRC[:DST]");
        int colon = value.IndexOf(':');
        var (src, dst) = colon < 0 ? (value, value) : (value[..colon], value[(colon + 1)..]);
        if (src.Length == 0 || dst.Length == 0) throw new SpecException(flag, $"'{value}' is not SRC[:DST]");
        return (src, dst);
    }
}
