namespace NsSandbox.Reliability.Tests;

/// <summary>How much each load test does: bounded for CI, raised by tests/reliability/soak.sh through the
/// environment.</summary>
public static class Counts
{
    /// <summary>Launches back to back (CI: 1,000; the soak: 5,000 or more).</summary>
    public static int Launches => Read("NSSANDBOX_RELIABILITY_LAUNCHES", 1000);

    /// <summary>Launchers started at once in one round.</summary>
    public static int Concurrent => Read("NSSANDBOX_RELIABILITY_CONCURRENT", 64);

    /// <summary>Rounds of <see cref="Concurrent"/> launches.</summary>
    public static int ConcurrentRounds => Read("NSSANDBOX_RELIABILITY_ROUNDS", 1);

    /// <summary>Processes a hostile target makes inside one sandbox.</summary>
    public static int HostileProcesses => Read("NSSANDBOX_RELIABILITY_PROCESSES", 10_000);

    /// <summary>Fuzzed command lines and configuration files, each.</summary>
    public static int FuzzCases => Read("NSSANDBOX_RELIABILITY_FUZZ", 3000);

    private static int Read(string name, int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), out int n) && n > 0 ? n : fallback;
}
