using System.Globalization;

namespace NsSandbox.Core.Oci;

/// <summary>A duration as runc's flags take it (Go's time.ParseDuration): numbers with units, summed, such as
/// "5s", "100ms", "1m30s", "1.5h" (units ns, us or µs, ms, s, m, h).</summary>
public static class GoDuration
{
    public static TimeSpan Parse(string text, string flag)
    {
        string t = text;
        bool negative = t.StartsWith('-');
        if (t.StartsWith('-') || t.StartsWith('+')) t = t[1..];
        if (t == "0") return TimeSpan.Zero;
        if (t.Length == 0) throw Bad(text, flag);
        decimal ticks = 0;
        int i = 0;
        while (i < t.Length)
        {
            int start = i;
            while (i < t.Length && (char.IsAsciiDigit(t[i]) || t[i] == '.')) i++;
            if (!decimal.TryParse(t[start..i], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out decimal n)) throw Bad(text, flag);
            int unitStart = i;
            while (i < t.Length && !char.IsAsciiDigit(t[i]) && t[i] != '.') i++;
            decimal perUnit = t[unitStart..i] switch
            {
                "ns" => 0.01m, "us" or "µs" or "μs" => 10, "ms" => TimeSpan.TicksPerMillisecond, "s" => TimeSpan.TicksPerSecond,
                "m" => TimeSpan.TicksPerMinute, "h" => TimeSpan.TicksPerHour,
                _ => throw Bad(text, flag),
            };
            ticks += n * perUnit;
            if (ticks > TimeSpan.MaxValue.Ticks) throw Bad(text, flag);
        }
        var result = TimeSpan.FromTicks((long)ticks);
        return negative ? -result : result;
    }

    private static SpecException Bad(string text, string flag) =>
        new(flag, $"'{text}' is not a duration (such as 5s, 100ms or 1m30s)");
}
