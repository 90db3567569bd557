using System.Text.RegularExpressions;

namespace NsSandbox.Core.Oci;

/// <summary>A cpuset list as cpuset.cpus and cpuset.mems read it: numbers and ranges, comma-separated ("0-3,5").
/// Checked before it reaches the kernel, whose answer to a bad one is only EINVAL.</summary>
public static partial class CpusetList
{
    public static string Check(string value, string field, string origin = "config.json")
    {
        var m = Syntax().Match(value);
        if (!m.Success) throw new SpecException(origin, $"{field}: '{value}' is not a cpu or node list (such as 0-3,5)");
        foreach (Capture range in m.Groups["range"].Captures)
        {
            var bounds = range.Value.Split('-');
            if (bounds.Length == 2 && long.Parse(bounds[0]) > long.Parse(bounds[1]))
                throw new SpecException(origin, $"{field}: '{range.Value}' is a range that runs backwards");
        }
        return value;
    }

    /// <summary>The numbers a list names (for the statistics of `events`).</summary>
    public static List<ushort> Expand(string value)
    {
        var result = new List<ushort>();
        foreach (string part in value.Trim().Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            var bounds = part.Split('-');
            if (!ushort.TryParse(bounds[0], out ushort from)) continue;
            ushort to = bounds.Length == 2 && ushort.TryParse(bounds[1], out ushort t) ? t : from;
            for (int n = from; n <= to; n++) result.Add((ushort)n);
        }
        return result;
    }

    [GeneratedRegex(@"^(?<range>\d{1,5}(-\d{1,5})?)(,(?<range>\d{1,5}(-\d{1,5})?))*$")]
    private static partial Regex Syntax();
}
