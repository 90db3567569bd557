using System.Globalization;
using System.Text;

namespace NsSandbox.Frontends.Toml;

/// <summary>How spec values are written back as TOML values that the keys' parsers read to the same value.</summary>
public static class ConfigText
{
    private static readonly (char Unit, int Shift)[] Units = [('T', 40), ('G', 30), ('M', 20), ('K', 10)];

    /// <summary>Bytes in the largest unit that divides them exactly: "1G", "512M"; a plain number otherwise.</summary>
    public static object Size(ulong bytes)
    {
        foreach (var (unit, shift) in Units)
            if (bytes != 0 && bytes % (1UL << shift) == 0) return (bytes >> shift).ToString(CultureInfo.InvariantCulture) + unit;
        return bytes <= long.MaxValue ? (long)bytes : bytes.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>Whole seconds as "30s", whole milliseconds as "250ms", anything finer in seconds.</summary>
    public static object Duration(TimeSpan t) =>
        t.Ticks % TimeSpan.TicksPerSecond == 0 ? (t.Ticks / TimeSpan.TicksPerSecond).ToString(CultureInfo.InvariantCulture) + "s"
        : t.Ticks % TimeSpan.TicksPerMillisecond == 0 ? (t.Ticks / TimeSpan.TicksPerMillisecond).ToString(CultureInfo.InvariantCulture) + "ms"
        : t.TotalSeconds.ToString("R", CultureInfo.InvariantCulture) + "s";

    /// <summary>An rlimit as its flag takes it; null when the spec leaves it as the launcher has it.</summary>
    public static object? Rlimit(SandboxSpec spec, RlimitResource resource, ulong unit) =>
        spec.Rlimits.FirstOrDefault(r => r.Resource == resource) switch
        {
            null => null,
            { Kind: RlimitKind.Infinity } => "inf",
            { Kind: RlimitKind.Soft } => "soft",
            { Kind: RlimitKind.Hard } => "hard",
            // A plain number would be read in the flag's unit (MiB), so bytes always carry a unit here.
            { Value: var v } when unit > 1 => v == 0 ? 0L : Size(v) as string ?? v.ToString(CultureInfo.InvariantCulture) + "B",
            { Value: var v } => v <= long.MaxValue ? (long)v : v.ToString(CultureInfo.InvariantCulture),
        };

    /// <summary>A TOML value: a basic string (escaped), an integer, a boolean or an array of strings.</summary>
    public static string Value(object value) => value switch
    {
        string s => Quote(s),
        long n => n.ToString(CultureInfo.InvariantCulture),
        bool b => b ? "true" : "false",
        IEnumerable<string> list => "[" + string.Join(", ", list.Select(Quote)) + "]",
        _ => throw new ArgumentException($"no TOML form for {value.GetType().Name}"),
    };

    public static string Quote(string s)
    {
        var q = new StringBuilder("\"");
        foreach (char c in s)
        {
            switch (c)
            {
                case '"': q.Append("\\\""); break;
                case '\\': q.Append("\\\\"); break;
                case '\n': q.Append("\\n"); break;
                case '\t': q.Append("\\t"); break;
                case < ' ' or '\x7f': q.Append("\\u").Append(((int)c).ToString("X4", CultureInfo.InvariantCulture)); break;
                default: q.Append(c); break;
            }
        }
        return q.Append('"').ToString();
    }
}
