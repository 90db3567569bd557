using System.Globalization;

namespace NsSandbox.Core.Report;

/// <summary>The one line a supervisor of many runs (listen, rerun) logs for each: who it served (mode listen),
/// its run id, how it ended, its status, how long it took and its peak memory, as key=value pairs
/// (docs/usage.md, "Mode listen"):
/// <c>peer=127.0.0.1:40112 run=20261123-091907-5a8b550a end=exited status=0 wall=0.031s mem_peak=6.5MiB</c>.</summary>
public static class RunLogLine
{
    /// <summary>The report's reason, or "disconnected" when the sandbox was killed because its client was gone.</summary>
    public static string EndOf(RunReport report) => report.Connection?.Disconnected == true ? "disconnected" : report.Reason;

    public static string Format(RunReport report)
    {
        var s = new System.Text.StringBuilder();
        if (report.Connection is { } connection) s.Append("peer=").Append(connection.Peer).Append(' ');
        s.Append("run=").Append(report.RunId).Append(" end=").Append(EndOf(report))
            .Append(" status=").Append(report.LauncherExitCode.ToString(CultureInfo.InvariantCulture));
        if (report.Error is null && report.SignalName is { } signal) s.Append(" signal=").Append(signal);
        if (report.Seccomp?.Syscall is { } syscall) s.Append(" syscall=").Append(syscall);
        if (report.ForwardedSignal is { } forwarded) s.Append(" forwarded=").Append(forwarded);
        s.Append(" wall=").Append(report.WallSeconds.ToString("0.000", CultureInfo.InvariantCulture)).Append('s');
        s.Append(" mem_peak=").Append(Size(PeakMemory(report)));
        if (report.Error is { } error) s.Append(" error=").Append(Quote(error.Message));
        return s.ToString();
    }

    /// <summary>The cgroup's high-water mark when the run had a cgroup (all its processes at once), else the
    /// largest resident set of one of its processes.</summary>
    public static long PeakMemory(RunReport report) => report.MemoryPeakBytes is { } peak ? (long)peak : report.PeakRssBytes;

    private static string Size(long bytes) => bytes >= 1 << 20
        ? (bytes / (double)(1 << 20)).ToString("0.0", CultureInfo.InvariantCulture) + "MiB"
        : (bytes / 1024).ToString(CultureInfo.InvariantCulture) + "KiB";

    /// <summary>A value with spaces in double quotes, quotes and backslashes escaped, control characters dropped:
    /// the line stays one line whatever a path in an error says.</summary>
    public static string Quote(string text)
    {
        var s = new System.Text.StringBuilder("\"");
        foreach (char c in text)
        {
            if (c is '"' or '\\') s.Append('\\');
            if (!char.IsControl(c)) s.Append(c);
        }
        return s.Append('"').ToString();
    }
}
