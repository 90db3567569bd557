using System.Diagnostics;

namespace NsSandbox.EndToEnd.Tests.Listen;

/// <summary>A network namespace of the test's own with only lo (up: 127/8 and ::1), so that a listener the
/// test starts is reachable from the test's clients and from nothing else on the machine. Removed on dispose.</summary>
public sealed class PrivateNetwork : IDisposable
{
    public string Name { get; } = $"nssl{Environment.ProcessId % 100000}x{Random.Shared.Next(100000):00000}";

    /// <summary>Skips the test unless ip and nsenter are installed.</summary>
    public static void Require()
    {
        Tests.Require.Root();
        foreach (var (program, package) in new[] { ("ip", "iproute2"), ("nsenter", "util-linux") })
            if (!new[] { "/usr/sbin", "/usr/bin", "/sbin", "/bin" }.Any(d => File.Exists(Path.Combine(d, program))))
                Assert.Skip($"needs {program} (Debian package {package}) for the test's own network namespace, which this machine lacks");
    }

    public PrivateNetwork()
    {
        Ip("netns", "add", Name);
        try
        {
            Ip("-n", Name, "link", "set", "lo", "up");
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>The command prefix that runs a program in this namespace (and nothing else changed).</summary>
    public string[] Wrapper => ["nsenter", $"--net=/run/netns/{Name}", "--"];

    public void Dispose() => Ip("netns", "del", Name);

    private static void Ip(params string[] args)
    {
        using var ip = Process.Start(new ProcessStartInfo("ip", args) { RedirectStandardError = true, UseShellExecute = false })!;
        var error = ip.StandardError.ReadToEndAsync();
        ip.WaitForExitWithin(TimeSpan.FromSeconds(30));
        if (ip.ExitCode != 0)
            throw new InvalidOperationException($"ip {string.Join(' ', args)}: {(error.Wait(TimeSpan.FromSeconds(5)) ? error.Result : "")}");
    }
}
