using NsSandbox.Linux;

namespace NsSandbox.Core.Timing;

/// <summary>A test-only switch (docs/reliability.md): with NSSANDBOX_TEST_STOP_AT=STEP in its environment, the
/// launcher stops itself with SIGSTOP right after the --trace_timing step STEP (whether or not --trace_timing is
/// given), so that a test can act on it at exactly that point of a launch (SIGKILL it, look at what exists) or let
/// it go on (SIGCONT). It gives the caller no power it lacks: the caller may stop its own child at any moment;
/// the switch only makes the moment exact.</summary>
public static class TestStop
{
    public const string Variable = "NSSANDBOX_TEST_STOP_AT";
    private const int SigStop = 19;

    private static readonly string? Step = Environment.GetEnvironmentVariable(Variable);

    public static void After(string step)
    {
        if (Step is not null && Step == step) Processes.Signal(Identity.ProcessId, SigStop);
    }
}
