using NsSandbox.EndToEnd.Tests;

namespace NsSandbox.Reliability.Tests;

/// <summary>The launcher short of what it needs: a full state directory (a small tmpfs mounted by the test in a
/// mount namespace of its own), few descriptors (ulimit -n), little memory (ulimit -v, and a memory cgroup too
/// small for it). Each ends with one clear line and exit 126 (or runs, when what it lacked was not needed), never
/// a crash, and leaves nothing once `nssandbox cleanup` has run.</summary>
public sealed class ExhaustionTests : IDisposable
{
    private readonly RunScope _scope = new();

    public void Dispose() => _scope.Dispose();

    /// <summary>Mounts a tmpfs of SIZE and INODES over a state directory in a mount namespace of its own, fills it
    /// (inodes up to FILES, then blocks), runs the launcher there and prints its status, then whether the state
    /// directory is as it was. The namespace, and the tmpfs with it, end with the script.</summary>
    private const string FullStateScript = """
        state="$WORK/state"; mkdir -p "$state"
        mount -t tmpfs -o "size=$SIZE,nr_inodes=$INODES,mode=0755" tmpfs "$state"
        mkdir -p "$state/runs"; chmod 700 "$state/runs"
        i=0; while [ "$i" -lt "$FILES" ] && touch "$state/fill$i" 2>/dev/null; do i=$((i+1)); done
        dd if=/dev/zero of="$state/big" bs=4k 2>/dev/null || true
        before=$(ls -lR "$state")
        set +e; "$NSS" --state_dir "$state" "$@"; echo "status $?"; set -e
        [ "$before" = "$(ls -lR "$state")" ] && echo "state unchanged" || { echo "state changed:"; ls -lR "$state"; }
        """;

    public static readonly TheoryData<string, string, int, string[], int, string?> FullDisks = new()
    {
        // No inode left: the run directory cannot be made.
        { "inodes", "1m", 64, ["--", "/bin/true"], 126, "No space left on device" },
        // No block left: a run that writes nothing to the state directory still runs...
        { "blocks", "64k", 100_000, ["--", "/bin/true"], 0, null },
        // ...one that records a cgroup leaf there cannot, and says so...
        { "blocks", "64k", 100_000, ["--cgroup_pids_max", "20", "--", "/bin/true"], 126, "No space left on device" },
        // ...a command that fills /data only fails its own write...
        { "blocks", "64k", 100_000, ["--", "/bin/sh", "-c", "echo x > /data/f || exit 7"], 7, null },
        // ...and a report that cannot be written is said, the status staying the command's.
        { "blocks", "64k", 100_000, ["--report", "REPORT", "--", "/bin/true"], 0, "cannot write the report" },
    };

    [Theory]
    [MemberData(nameof(FullDisks))]
    public void AFullStateDirectoryIsAClearErrorAndLeavesItAsItWas(string full, string size, int inodes, string[] args, int status, string? message)
    {
        Require.Cgroup("pids");
        var flags = args.Select(a => a == "REPORT" ? "$WORK/state/report.json" : a).ToList();
        if (flags.Contains("--cgroup_pids_max")) flags.InsertRange(0, ["--cgroup_parent", _scope.CgroupParent]);
        var r = Nss.Run(["-m", "--propagation", "private", "--", "/bin/bash", "-euc", FullStateScript, "full", .. flags.Select(f => f.Replace("$WORK", _scope.WorkDir))],
            new Dictionary<string, string>
            {
                ["NSS"] = Launcher.BinaryPath, ["WORK"] = _scope.WorkDir, ["SIZE"] = size, ["INODES"] = inodes.ToString(),
                ["FILES"] = full == "inodes" ? "100000" : "2",
            }, program: "unshare");
        Assert.True(r.Stdout.Contains($"status {status}\n"), $"{full} full, {string.Join(' ', args)}: {r.Stdout} {r.Stderr}");
        Assert.Contains("state unchanged", r.Stdout);
        if (message is not null) Assert.Contains(message, r.Stderr);
        if (status != 7) AssertOneClearLine(r.Stderr, allow: message is null ? 0 : 1); // 7: the command's own words
        _scope.AssertNothingLeft($"a run with the state directory's {full} full");
    }

    [Fact]
    public void FewDescriptorsAreAClearErrorAndLeaveNothing()
    {
        Require.Cgroup("pids");
        var failures = new List<int>();
        int firstSuccess = 0;
        // Below 4 the dynamic loader cannot even open the C library (its own message, status 127).
        foreach (int n in new[] { 4, 5, 6, 7, 8, 9, 10, 11, 12, 14, 16, 20, 24, 28, 32, 48, 64, 128 })
        {
            var r = Nss.Bash($"ulimit -n {n}; exec \"$NSS\" \"$@\"", [.. _scope.Flags(cgroup: true), "--", "/bin/true"]);
            Assert.True(r.ExitCode is 0 or 126, $"ulimit -n {n}: exit {r.ExitCode}: {r.Stderr}");
            if (r.ExitCode == 126)
            {
                Assert.Contains("Too many open files", r.Stderr);
                AssertOneClearLine(r.Stderr, allow: 2); // the failure, and a run directory it could not remove
                failures.Add(n);
            }
            else if (firstSuccess == 0) firstSuccess = n;
            var cleanup = Nss.Run(["cleanup", "--state_dir", _scope.StateDir]);
            Assert.Equal(0, cleanup.ExitCode);
            _scope.AssertNothingLeft($"a run under ulimit -n {n} and a cleanup");
        }
        Assert.Contains(4, failures);
        Assert.NotEqual(0, firstSuccess);
        Summary.Add($"descriptors: a clear error under ulimit -n {string.Join(", ", failures)}; runs from {firstSuccess}");
    }

    [Fact]
    public void LittleAddressSpaceIsAClearErrorAndLeavesNothing()
    {
        Require.Cgroup("pids");
        var outcomes = new List<string>();
        // At 44 MiB and below the .NET runtime cannot start: it exits with 255 when it cannot reserve its heap, or
        // dies of SIGSEGV inside its GC's initialisation, before any code of the launcher runs (docs/reliability.md);
        // from there up each run either works or says why it cannot.
        foreach (int mib in new[] { 48, 52, 56, 60, 64, 96, 256 })
        {
            var r = Nss.Bash($"ulimit -v {mib * 1024}; exec \"$NSS\" \"$@\"", [.. _scope.Flags(cgroup: true), "--", "/bin/true"]);
            Assert.True(r.ExitCode is 0 or 126, $"ulimit -v {mib} MiB: exit {r.ExitCode}: {r.Stderr}");
            if (r.ExitCode == 126) AssertOneClearLine(r.Stderr, allow: 2);
            outcomes.Add($"{mib} MiB: {(r.ExitCode == 0 ? "runs" : r.Stderr.Trim())}");
            Assert.Equal(0, Nss.Run(["cleanup", "--state_dir", _scope.StateDir]).ExitCode);
            _scope.AssertNothingLeft($"a run under ulimit -v {mib} MiB and a cleanup");
        }
        Assert.StartsWith("256 MiB: runs", outcomes[^1]);
        Summary.Add("address space: " + string.Join("; ", outcomes));
    }

    [Fact]
    public void ALauncherTheOomKillerEndsLeavesNothingAfterCleanup()
    {
        Require.Cgroup("memory");
        // A memory cgroup of the test's own (under its cgroup parent) too small for the launcher: the kernel kills
        // it, so no code of it runs to say anything; its caller sees SIGKILL, and cleanup removes what it had made.
        string? v1 = _scope.CgroupDirs.FirstOrDefault(d => File.Exists(Path.Combine(d, "memory.limit_in_bytes")));
        string? v2 = v1 is not null ? null : _scope.CgroupDirs.FirstOrDefault(d => File.Exists(Path.Combine(d, "cgroup.controllers"))
            && File.ReadAllText(Path.Combine(d, "cgroup.controllers")).Split(' ', StringSplitOptions.TrimEntries).Contains("memory"));
        if (v1 is null && v2 is null) Assert.Skip("no memory controller for a cgroup of the test's own");
        string box = Path.Combine(v1 ?? v2!, "launcher");
        Directory.CreateDirectory(box);
        try
        {
            if (v1 is not null) File.WriteAllText(Path.Combine(box, "memory.limit_in_bytes"), "1048576");
            else
            {
                File.WriteAllText(Path.Combine(v2!, "cgroup.subtree_control"), "+memory");
                File.WriteAllText(Path.Combine(box, "memory.max"), "1048576");
                File.WriteAllText(Path.Combine(box, "memory.swap.max"), "0");
            }
            var r = Nss.Bash($"echo $$ > {box}/cgroup.procs; exec \"$NSS\" \"$@\"", [.. _scope.Flags(cgroup: true), "--", "/bin/sh", "-c", "echo ran"]);
            Assert.True(r.ExitCode is 137 or 0, $"under 1 MiB: exit {r.ExitCode}: {r.Stderr}");
            RunScope.AwaitOrphans(TimeSpan.FromSeconds(30));
            Assert.Equal(0, Nss.Run(["cleanup", "--state_dir", _scope.StateDir]).ExitCode);
            Summary.Add($"memory cgroup of 1 MiB: the launcher {(r.ExitCode == 137 ? "was killed by the OOM killer" : "ran")}; cleanup left nothing");
        }
        finally
        {
            DeleteCgroup(box);
        }
        _scope.AssertNothingLeft("a launcher killed by the OOM killer and a cleanup");
    }

    private static void DeleteCgroup(string dir)
    {
        for (int i = 0; i < 500 && Directory.Exists(dir); i++)
        {
            try
            {
                Directory.Delete(dir);
            }
            catch (IOException)
            {
                Thread.Sleep(10); // its last process is still exiting
            }
        }
    }

    /// <summary>The launcher's own words: at most <paramref name="allow"/> lines, each "nssandbox: ...", no trace.</summary>
    internal static void AssertOneClearLine(string stderr, int allow = 1)
    {
        var lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.False(Crash.Seen(0, stderr), stderr);
        Assert.InRange(lines.Length, 0, allow);
        Assert.All(lines, l => Assert.StartsWith("nssandbox: ", l));
    }
}
