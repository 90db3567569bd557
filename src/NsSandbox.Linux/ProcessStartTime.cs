using System.Globalization;

namespace NsSandbox.Linux;

/// <summary>A process named so that a reused pid does not pass for it: its pid and its start time (field 22 of
/// /proc/PID/stat, in clock ticks since boot).</summary>
public static class ProcessStartTime
{
    /// <summary>The start time of a live process, or null when none has this pid.</summary>
    public static ulong? Of(int pid)
    {
        string stat;
        try
        {
            stat = File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
        // The command name (field 2) may hold spaces and parentheses: fields are counted after its last ')'.
        string[] rest = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return rest.Length > 19 && ulong.TryParse(rest[19], CultureInfo.InvariantCulture, out ulong start) ? start : null;
    }

    /// <summary>"PID STARTTIME" for a live process.</summary>
    public static string? Describe(int pid) => Of(pid) is { } start ? $"{pid} {start}" : null;

    /// <summary>Whether the process a <see cref="Describe"/> text named still runs.</summary>
    public static bool IsAlive(string described)
    {
        string[] parts = described.Trim().Split(' ');
        return parts.Length == 2 && int.TryParse(parts[0], CultureInfo.InvariantCulture, out int pid)
            && ulong.TryParse(parts[1], CultureInfo.InvariantCulture, out ulong start) && Of(pid) == start;
    }
}
