using System.Diagnostics;
using NsSandbox.EndToEnd.Tests;

namespace NsSandbox.Reliability.Tests;

/// <summary>Launches back to back and at once: every launch ends as its command says, and afterwards nothing has
/// grown: the state directory, the cgroup parent, mounts, processes and orphans of these runs, and this caller's
/// descriptors.</summary>
public sealed class LoadTests : IDisposable
{
    private readonly RunScope _scope = new();

    public void Dispose() => _scope.Dispose();

    /// <summary>The kinds of launch mixed in a loop, each with the exit status it must end with: a plain run, one
    /// with a cgroup, a setup failure, a command not found, a time limit, and a report written.</summary>
    private (string[] Args, int Status)[] Shapes() =>
    [
        ([.. _scope.Flags(), "--", "/bin/true"], 0),
        ([.. _scope.Flags(cgroup: true), "--", "/bin/sh", "-c", "exit 3"], 3),
        ([.. _scope.Flags(), "--bindmount", "/nonexistent-nss-reliability:/x", "--", "/bin/true"], 126),
        ([.. _scope.Flags(), "--", "/does/not/exist"], 127),
        ([.. _scope.Flags(cgroup: true), "--time_limit", "0.05", "--", "/bin/sleep", "10"], 124),
        ([.. _scope.Flags(), "--report", Path.Combine(_scope.WorkDir, "report.json"), "--", "/bin/sh", "-c", "echo out; echo err >&2"], 0),
    ];

    [Fact]
    public void BackToBackLaunchesLeaveNothingBehind()
    {
        Require.Cgroup("pids");
        var shapes = Shapes();
        // A first round opens what this process keeps open for good (the runtime's pipes for child processes).
        foreach (var (args, status) in shapes) AssertEnds(args, status);
        var stateBefore = Tree(_scope.StateDir);
        var fdsBefore = Leftovers.OwnDescriptors();

        int n = Counts.Launches;
        var wall = Stopwatch.StartNew();
        for (int i = 0; i < n; i++)
        {
            var (args, status) = shapes[i % shapes.Length];
            AssertEnds(args, status, $"launch {i}");
        }
        wall.Stop();

        _scope.AssertNothingLeft($"{n} launches");
        Assert.Equal(stateBefore, Tree(_scope.StateDir));
        AssertNoMoreDescriptors(fdsBefore);
        Summary.Add($"{n} launches back to back in {wall.Elapsed.TotalSeconds:0.0} s ({wall.Elapsed.TotalMilliseconds / n:0.0} ms each, " +
            $"{shapes.Length} kinds mixed): nothing left (run directories, cgroup leaves, mounts, processes, descriptors)");
    }

    [Fact]
    public async Task ConcurrentLaunchesLeaveNothingBehind()
    {
        Require.Cgroup("pids");
        AssertEnds([.. _scope.Flags(cgroup: true), "--", "/bin/true"], 0); // makes runs/, opens what this process keeps
        var stateBefore = Tree(_scope.StateDir);
        var fdsBefore = Leftovers.OwnDescriptors();
        int n = Counts.Concurrent, rounds = Counts.ConcurrentRounds;
        var wall = Stopwatch.StartNew();
        for (int round = 0; round < rounds; round++)
        {
            // Every other one with a cgroup: leaves and run directories are made and removed side by side, each
            // launch's stale scan running while the others hold their locks.
            var launchers = Enumerable.Range(0, n).Select(i => Nss.Start(
                [.. _scope.Flags(cgroup: i % 2 == 0), "--", "/bin/sh", "-c", $"sleep 0.2; echo {i}"])).ToList();
            try
            {
                var token = TestContext.Current.CancellationToken;
                var outputs = launchers.Select(p => (Out: p.StandardOutput.ReadToEndAsync(token), Err: p.StandardError.ReadToEndAsync(token))).ToList();
                for (int i = 0; i < n; i++)
                {
                    launchers[i].WaitForExitWithin(Nss.RunTimeout);
                    launchers[i].WaitForExit();
                    string err = await outputs[i].Err;
                    Assert.True(launchers[i].ExitCode == 0, $"round {round}, launch {i}: exit {launchers[i].ExitCode}: {err}");
                    Assert.Equal($"{i}\n", await outputs[i].Out);
                }
            }
            finally
            {
                foreach (var p in launchers)
                {
                    if (!p.HasExited) p.Kill();
                    p.StandardOutput.Dispose();
                    p.StandardError.Dispose();
                    p.Dispose();
                }
            }
        }
        wall.Stop();
        _scope.AssertNothingLeft($"{rounds} round(s) of {n} concurrent launches");
        Assert.Equal(stateBefore, Tree(_scope.StateDir));
        AssertNoMoreDescriptors(fdsBefore);
        Summary.Add($"{rounds} round(s) of {n} concurrent launches in {wall.Elapsed.TotalSeconds:0.0} s: all exited 0, nothing left");
    }

    private static void AssertNoMoreDescriptors(List<string> before)
    {
        var after = Leftovers.OwnDescriptors();
        Assert.True(after.Count <= before.Count, $"this process has {after.Count - before.Count} more descriptors: [{string.Join(", ", after.Except(before))}]");
    }

    private static void AssertEnds(string[] args, int status, string? what = null)
    {
        var r = Nss.Run(args);
        Assert.True(r.ExitCode == status, $"{what ?? "launch"}: nssandbox {string.Join(' ', args)} exited {r.ExitCode}, not {status}: {r.Stderr}");
    }

    /// <summary>Every path under the state directory, with each file's size: what the launches may not grow.</summary>
    private static List<string> Tree(string dir) => Directory.EnumerateFileSystemEntries(dir, "*", SearchOption.AllDirectories)
        .Select(p => File.Exists(p) ? $"{p} {new FileInfo(p).Length}" : p).Order(StringComparer.Ordinal).ToList();
}
