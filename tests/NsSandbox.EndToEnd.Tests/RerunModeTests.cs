using System.Diagnostics;
using System.Text.RegularExpressions;

namespace NsSandbox.EndToEnd.Tests;

/// <summary>Mode rerun for real: the command again and again, each time in a fresh sandbox, until a signal
/// stops the launcher, which then exits 128+N (as nsjail) having cleaned up every run.</summary>
public sealed class RerunModeTests : IDisposable
{
    private readonly Launcher _nss = new();

    public void Dispose() => _nss.Dispose();

    [Fact]
    public async Task TheCommandRunsAgainInAFreshSandboxUntilASignalStopsIt()
    {
        Require.Root();
        string reports = Path.Combine(_nss.TempDir, "reports");
        Directory.CreateDirectory(reports);
        var psi = new ProcessStartInfo(Launcher.BinaryPath)
        {
            UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true,
        };
        foreach (string a in new[] { "-Mr", "--state_dir", _nss.StateDir, "--report_dir", reports, "--", "/bin/sh", "-c",
                     "echo \"run $(ls -A /data | wc -l)\"; touch /data/used; sleep 0.1" })
            psi.ArgumentList.Add(a);
        using var rerun = Process.Start(psi)!;
        var stderr = rerun.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        try
        {
            // Each run starts with an empty /data: the file the one before made is gone with its sandbox.
            for (int i = 0; i < 3; i++) Assert.Equal("run 0", rerun.StandardOutput.ReadLineWithin(TimeSpan.FromSeconds(60)));
            using (var kill = Process.Start("kill", ["-TERM", rerun.Id.ToString()])!) kill.WaitForExitWithin(TimeSpan.FromSeconds(30));
            rerun.WaitForExitWithin(TimeSpan.FromSeconds(60));
        }
        finally
        {
            if (!rerun.HasExited) rerun.Kill();
        }
        Assert.Equal(128 + 15, rerun.ExitCode); // as nsjail's rerun loop: 128 plus the stop signal
        string log = await stderr.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        var lines = log.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var runs = lines.Where(l => l.Contains(" end=")).ToList();
        Assert.True(runs.Count >= 3, log);
        Assert.All(runs, l => Assert.Matches(@"^nssandbox: run=\S+ end=(exited status=0|signaled status=\d+ signal=\S+ forwarded=SIGTERM|exited status=\d+ forwarded=SIGTERM) ", l));
        Assert.Matches(@"^nssandbox: SIGTERM: stopped after \d+ runs?$", lines[^1]);
        Assert.Equal(runs.Count, Directory.GetFiles(reports).Length);
        Assert.Equal(runs.Count, runs.Select(l => Regex.Match(l, @"run=(\S+)").Groups[1].Value).Distinct().Count());
        Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(_nss.StateDir, "runs")));
    }
}
