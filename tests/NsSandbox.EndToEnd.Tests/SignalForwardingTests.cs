using System.Diagnostics;
using System.Text.Json;

namespace NsSandbox.EndToEnd.Tests;

/// <summary>SIGTERM, SIGINT, SIGHUP and SIGQUIT to the launcher reach the sandbox, and the report says so. The
/// launcher registers its handlers before the clone, so they are in place once the target runs; and it takes
/// SIGINT and SIGQUIT also when its caller started it with them ignored (a background job of a shell script).</summary>
public sealed class SignalForwardingTests : IDisposable
{
    private readonly Launcher _nss = new();

    public void Dispose() => _nss.Dispose();

    [Theory]
    [InlineData("TERM", "SIGTERM")]
    [InlineData("INT", "SIGINT")]
    [InlineData("HUP", "SIGHUP")]
    [InlineData("QUIT", "SIGQUIT")]
    public void ASignalToTheLauncherReachesTheTargetAndIsReported(string signal, string name) => AssertForwarded(_nss, signal, name);

    [Theory]
    [InlineData("INT", "SIGINT")]
    [InlineData("QUIT", "SIGQUIT")]
    public void ASignalTheCallerIgnoredIsForwardedToo(string signal, string name)
    {
        Require.Root();
        // POSIX sh cannot undo an ignore it inherited, and exec keeps it: the launcher starts with the signal ignored.
        using var ignoring = new Launcher { Wrapper = ["/bin/sh", "-c", $"trap '' {signal}; exec \"$0\" \"$@\""] };
        AssertForwarded(ignoring, signal, name);
    }

    private static void AssertForwarded(Launcher nss, string signal, string name)
    {
        Require.Root();
        string report = Path.Combine(nss.TempDir, "forward.json");
        // pid 1 of the sandbox gets only signals it has a handler for: the trap is the proof of delivery.
        using var launcher = nss.Start(["--state_dir", nss.StateDir, "--report", report, "--", "/bin/sh", "-c",
            $"trap 'echo got {signal}; exit 7' {signal}; echo started; while :; do sleep 0.05; done"]);
        try
        {
            Assert.Equal("started", launcher.StandardOutput.ReadLineWithin(TimeSpan.FromSeconds(60)));
            using (var kill = Process.Start("kill", ["-" + signal, launcher.Id.ToString()]))
                kill.WaitForExitWithin(TimeSpan.FromSeconds(30));
            Assert.Equal($"got {signal}", launcher.StandardOutput.ReadLineWithin(TimeSpan.FromSeconds(30)));
            Assert.True(launcher.WaitForExit(TimeSpan.FromSeconds(30)), "the launcher did not end after the target did");
        }
        finally
        {
            if (!launcher.HasExited) launcher.Kill();
        }
        Assert.Equal(7, launcher.ExitCode);
        using var json = JsonDocument.Parse(File.ReadAllText(report));
        Assert.Equal(name, json.RootElement.GetProperty("forwarded_signal").GetString());
        Assert.Equal("exited", json.RootElement.GetProperty("reason").GetString());
    }
}
