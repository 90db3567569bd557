using System.Globalization;
using NsSandbox.Linux;

namespace NsSandbox.Core.Timing;

/// <summary>One timestamp of --trace_timing: <paramref name="Step"/> ended at <paramref name="Ns"/>
/// (CLOCK_MONOTONIC) in the process named by <paramref name="Side"/>.</summary>
public sealed record TimingStamp(string Side, string Step, long Ns);

/// <summary>The timestamps of one launch (--trace_timing). Process-wide on purpose: a process is one launch
/// (the supervisor, or stage 2), and the steps it marks sit deep in code whose signatures should not carry a
/// tracer. Nothing is recorded until <see cref="Enable"/>.</summary>
public static class LaunchTrace
{
    public const string Supervisor = "supervisor", Stage2 = "stage 2";

    private static readonly Lock Gate = new();
    private static readonly List<TimingStamp> Stamps = [];
    private static string _side = Supervisor;

    public static bool Enabled { get; private set; }

    /// <summary>Starts recording for this process: its start (before the runtime) and when Main began.</summary>
    public static void Enable(string side, long mainNs)
    {
        lock (Gate)
        {
            _side = side;
            Enabled = true;
            Stamps.Add(new TimingStamp(side, "process start", MonotonicClock.ProcessStartNs));
            Stamps.Add(new TimingStamp(side, "runtime start", mainNs));
        }
    }

    /// <summary>Records that <paramref name="step"/> has just ended (and stops there for a test, <see cref="TestStop"/>).</summary>
    public static void Mark(string step)
    {
        TestStop.After(step);
        if (!Enabled) return;
        long now = MonotonicClock.NowNs;
        lock (Gate) Stamps.Add(new TimingStamp(_side, step, now));
    }

    /// <summary>Adds another process's stamps (stage 2's, sent over the channel).</summary>
    public static void Merge(IEnumerable<TimingStamp> stamps)
    {
        lock (Gate) Stamps.AddRange(stamps);
    }

    public static List<TimingStamp> Snapshot()
    {
        lock (Gate) return Stamps.OrderBy(s => s.Ns).ToList();
    }

    /// <summary>One line per step, in time order: milliseconds since the first stamp, and since the one before.</summary>
    public static void Print(TextWriter writer)
    {
        var stamps = Snapshot();
        if (stamps.Count == 0) return;
        long origin = stamps[0].Ns, previous = origin;
        writer.WriteLine("nssandbox: timing      at ms   step ms  process: step that ended");
        foreach (var s in stamps)
        {
            writer.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"nssandbox: timing {(s.Ns - origin) / 1e6,10:0.000} {(s.Ns - previous) / 1e6,9:0.000}  {s.Side}: {s.Step}"));
            previous = s.Ns;
        }
    }
}
