using System.Text.Json;
using System.Text.RegularExpressions;

namespace NsSandbox.Reliability.Tests;

/// <summary>Whether the launcher crashed: the runtime's report of an unhandled exception, a stack frame of the
/// NativeAOT binary ("   at Type.Method(Args) + 0x1d"), or a status of a fatal signal (SIGILL, SIGABRT, SIGBUS,
/// SIGFPE, SIGSEGV) that the run's own JSON report does not give to the command. The launcher exits 128+N when
/// its command was killed by signal N (docs/usage.md), so the status alone cannot tell a launcher that died by
/// SIGSEGV from a command that did (a --rlimit_as too small for ld.so, --disable_tsc): the report can, since a
/// launcher that crashed wrote none, or none that names that signal.</summary>
public static partial class Crash
{
    private static readonly int[] FatalSignals = [4, 6, 7, 8, 11];

    public static bool Seen(int status, string stderr, JsonElement? report = null) =>
        stderr.Contains("Unhandled exception", StringComparison.Ordinal) || Frame().IsMatch(stderr) ||
        (FatalSignals.Contains(status - 128) && !CommandsOwnSignal(status, report));

    /// <summary>The report says the command itself was killed by signal status-128 and the launcher exited with
    /// that status for it.</summary>
    public static bool CommandsOwnSignal(int status, JsonElement? report) =>
        report is { ValueKind: JsonValueKind.Object } r &&
        r.TryGetProperty("signal", out var signal) && signal.ValueKind == JsonValueKind.Number && signal.GetInt32() == status - 128 &&
        r.TryGetProperty("launcher_exit_code", out var code) && code.ValueKind == JsonValueKind.Number && code.GetInt32() == status;

    [GeneratedRegex(@"^\s+at \S+\(.*\)( \+ 0x[0-9a-f]+)?$", RegexOptions.Multiline)]
    private static partial Regex Frame();
}
