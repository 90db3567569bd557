using System.Diagnostics;
using NsSandbox.Linux.Interop;

namespace NsSandbox.Linux;

/// <summary>CLOCK_MONOTONIC in nanoseconds: one clock for every process of a launch, so the supervisor's and
/// stage 2's timestamps compare.</summary>
public static class MonotonicClock
{
    // Stopwatch reads CLOCK_MONOTONIC on Linux; its frequency is 1 GHz there, but convert rather than assume.
    public static long NowNs => (long)(Stopwatch.GetTimestamp() * (1e9 / Stopwatch.Frequency));

    /// <summary>When this process's first native constructor ran, before the .NET runtime started.</summary>
    public static long ProcessStartNs => Shim.StartTimeNs();
}
