using System.Diagnostics;
using NsSandbox.EndToEnd.Tests;

namespace NsSandbox.Reliability.Tests;

/// <summary>A launcher holds nothing of its run once the run is cleaned up: stopped (NSSANDBOX_TEST_STOP_AT) right
/// after its "cleaned up" step, its descriptors are those it started with and the runtime's own (the Console's
/// stderr, the signal thread's pipe), never the channel, a pidfd, an epoll set, the audit socket, the lock file
/// or a cgroup directory. A supervisor of many sandboxes (listen, rerun) would otherwise run out of them.</summary>
public sealed class LauncherDescriptorTests : IDisposable
{
    private readonly RunScope _scope = new();

    public void Dispose() => _scope.Dispose();

    public static readonly TheoryData<string, string[], int> Launches = new()
    {
        { "plain", ["--", "/bin/true"], 0 },
        { "cgroup", ["--cgroup_pids_max", "20", "--", "/bin/true"], 0 },
        { "setup failure", ["--bindmount", "/nonexistent-nss-reliability:/x", "--", "/bin/true"], 126 },
        { "time limit", ["--time_limit", "0.2", "--", "/bin/sleep", "10"], 124 },
        // dash calls getppid as it starts: the filter kills it, and the audit socket names the call.
        { "seccomp kill", ["--seccomp_string", "KILL { getppid } DEFAULT ALLOW", "--", "/bin/sh", "-c", ":"], 159 },
        { "egress", ["--net", "egress", "--", "/bin/true"], 0 },
    };

    [Theory]
    [MemberData(nameof(Launches))]
    public void AfterCleanUpTheLauncherHoldsNothingOfItsRun(string what, string[] args, int status)
    {
        Require.Cgroup("pids");
        if (what == "egress") Require.Egress();
        var flags = _scope.Flags(more: ["--cgroup_parent", _scope.CgroupParent]);
        var after = DescriptorsAt("cleaned up", [.. flags, .. args], status);
        var ofTheRun = after.Fds.Where(fd => !fd.Allowed).Select(fd => (fd.Fd, fd.Target)).ToList();
        Assert.True(ofTheRun.Count == 0, $"{what}: after clean-up the launcher still holds [{string.Join(", ", ofTheRun)}]");
        // Nor a process: the sandbox and every helper (slirp4netns, nsenter, nft) are reaped by then.
        Assert.True(after.Children.Count == 0, $"{what}: after clean-up the launcher still has children [{string.Join(", ", after.Children)}]");
        _scope.AssertNothingLeft($"{what} launches stopped and resumed");
    }

    [Fact]
    public void DuringTheRunTheCheckSeesWhatTheRunHolds()
    {
        Require.Cgroup("pids");
        // The check's own proof: stopped after the clone, the launcher holds the run's lock file, the channel, the
        // child's pidfd, and has the sandbox as its child.
        var during = DescriptorsAt("clone", [.. _scope.Flags(cgroup: true), "--", "/bin/true"], 0);
        var held = during.Fds.Where(fd => !fd.Allowed).Select(fd => fd.Target).ToList();
        Assert.Contains(held, t => t.StartsWith("socket:", StringComparison.Ordinal));
        Assert.Contains("anon_inode:[pidfd]", held);
        Assert.Contains(held, t => t.StartsWith(_scope.StateDir, StringComparison.Ordinal) && t.EndsWith("/.lock", StringComparison.Ordinal));
        Assert.Single(during.Children);
        _scope.AssertNothingLeft("a launch stopped after its clone and resumed");
    }

    /// <summary>A descriptor of the stopped launcher, and whether it may be there after clean-up.</summary>
    private sealed record Descriptor(int Fd, string Target, bool Allowed);

    /// <summary>Runs the launch with the stop switch at <paramref name="step"/>, lists the launcher's descriptors
    /// and children there, lets it go on (SIGCONT) and checks it ends as it should.</summary>
    private (List<Descriptor> Fds, List<string> Children) DescriptorsAt(string step, string[] args, int status)
    {
        using var launcher = Nss.Start(args, new Dictionary<string, string> { ["NSSANDBOX_TEST_STOP_AT"] = step });
        var stderr = launcher.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        var stdout = launcher.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        List<Descriptor> fds;
        List<string> children;
        try
        {
            var until = DateTime.UtcNow + TimeSpan.FromSeconds(90);
            while (Leftovers.State(launcher.Id) is not 'T')
            {
                if (launcher.HasExited) Assert.Fail($"the launcher ended (exit {launcher.ExitCode}) before '{step}': {stderr.Result}");
                if (DateTime.UtcNow > until) Assert.Fail($"the launcher did not reach '{step}' within 90 s");
                Thread.Sleep(5);
            }
            fds = Classify(launcher.Id);
            children = Directory.GetDirectories($"/proc/{launcher.Id}/task")
                .SelectMany(t => File.ReadAllText(Path.Combine(t, "children")).Split(' ', StringSplitOptions.RemoveEmptyEntries))
                .Select(p => $"{p} ({EndToEnd.Tests.Linux.Subreaper.CommandName(int.Parse(p))})").ToList();
            Posix.Kill(launcher.Id, 18); // SIGCONT
            launcher.WaitForExitWithin(Nss.RunTimeout);
        }
        finally
        {
            if (!launcher.HasExited) launcher.Kill();
        }
        Assert.True(launcher.ExitCode == status, $"stopped at '{step}', then exit {launcher.ExitCode}, not {status}: {stderr.Result}");
        _ = stdout;
        return (fds, children);
    }

    /// <summary>Nothing of a run may stay open: no channel (a UNIX socket), pidfd, epoll set of the launcher's, file
    /// of the state directory or cgroup directory. Allowed: what it started with, pipes (the runtime's signal
    /// thread), the runtime's own epoll set for its asynchronous pipes (which watches pipes only; one of the
    /// launcher's would watch nothing by now, its channel and pidfd being closed), and the seccomp audit socket and
    /// its eventfd, which the audit reader thread closes itself as it ends (by design: waiting for it would cost the
    /// end of the launch ~0.2 ms).</summary>
    private List<Descriptor> Classify(int pid)
    {
        var raw = Leftovers.Descriptors(pid);
        var netlinkAudit = File.ReadAllLines($"/proc/{pid}/net/netlink").Skip(1)
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)).Where(f => f.Length >= 10 && f[1] == "9")
            .Select(f => $"socket:[{f[9]}]").ToHashSet();
        bool auditHeld = raw.Any(fd => netlinkAudit.Contains(fd.Target));
        var targets = raw.ToDictionary(fd => fd.Fd, fd => fd.Target);
        return raw.Select(fd => fd.Target switch
        {
            _ when netlinkAudit.Contains(fd.Target) => new Descriptor(fd.Fd, "audit socket", true),
            "anon_inode:[eventfd]" => new Descriptor(fd.Fd, fd.Target, auditHeld),
            "anon_inode:[eventpoll]" => new Descriptor(fd.Fd, fd.Target, WatchesOnlyPipes(pid, fd.Fd, targets)),
            var t when t.StartsWith("socket:", StringComparison.Ordinal) || t.StartsWith("anon_inode:", StringComparison.Ordinal)
                || t.StartsWith(_scope.StateDir, StringComparison.Ordinal) || t.StartsWith("/sys/fs/cgroup", StringComparison.Ordinal)
                => new Descriptor(fd.Fd, t, false),
            var t => new Descriptor(fd.Fd, t, true),
        }).ToList();
    }

    private static bool WatchesOnlyPipes(int pid, int epoll, Dictionary<int, string> targets)
    {
        var watched = File.ReadAllLines($"/proc/{pid}/fdinfo/{epoll}").Where(l => l.StartsWith("tfd:", StringComparison.Ordinal))
            .Select(l => int.Parse(l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1])).ToList();
        return watched.Count > 0 && watched.All(fd => targets.GetValueOrDefault(fd, "").StartsWith("pipe:", StringComparison.Ordinal));
    }
}
