using System.Text.RegularExpressions;

namespace NsSandbox.Reliability.Tests;

/// <summary>Whether the launcher crashed: the runtime's report of an unhandled exception, a stack frame of the
/// NativeAOT binary ("   at Type.Method(Args) + 0x1d"), or SIGABRT / SIGSEGV as its status.</summary>
public static partial class Crash
{
    public static bool Seen(int status, string stderr) =>
        status is 134 or 139 || stderr.Contains("Unhandled exception", StringComparison.Ordinal) || Frame().IsMatch(stderr);

    [GeneratedRegex(@"^\s+at \S+\(.*\)( \+ 0x[0-9a-f]+)?$", RegexOptions.Multiline)]
    private static partial Regex Frame();
}
