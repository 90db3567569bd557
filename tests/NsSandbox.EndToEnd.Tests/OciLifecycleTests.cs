using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using NsSandbox.EndToEnd.Tests.Linux;

namespace NsSandbox.EndToEnd.Tests;

/// <summary>What runc does to a created container beyond start and kill, on real bundles: pause and resume (the
/// cgroup freezer: a counting loop stops and goes on), update (new limits in the container's cgroup, enforced),
/// events (runc's JSON, once and as a stream, OOM kills), and the createContainer and startContainer hooks in
/// the container's namespaces. Each test ends with no container state, cgroup or process left.</summary>
public sealed partial class OciRuntimeTests
{
    /// <summary>The container's cgroup directories that exist, in every hierarchy (v1) or the v2 one.</summary>
    private static List<string> CgroupDirsOf(string id) =>
        [.. Directory.GetDirectories("/sys/fs/cgroup").Append("/sys/fs/cgroup").Select(h => Path.Combine(h, "nssandbox-oci", id)).Where(Directory.Exists)];

    private static string? V1CgroupDir(int pid, string controller)
    {
        foreach (string line in File.ReadAllLines($"/proc/{pid}/cgroup"))
        {
            var f = line.Split(':', 3);
            if (f.Length == 3 && f[1].Split(',').Contains(controller)) return $"/sys/fs/cgroup/{f[1]}{f[2]}";
        }
        return null;
    }

    /// <summary>Creates and starts a container running COMMAND with /out bound to a directory of the test.</summary>
    private (string Id, int Pid, string Out) StartContainer(Action<OciBundle>? edit, params string[] command)
    {
        string outDir = Path.Combine(_nss.TempDir, "out-" + Guid.NewGuid().ToString("N")[..6]);
        Directory.CreateDirectory(outDir);
        File.SetUnixFileMode(outDir, (UnixFileMode)0x1ff); // the container's user may not be root
        var bundle = new OciBundle(_nss, command);
        bundle.Mounts.Add(OciBundle.Mount("/out", "bind", outDir, "rbind", "rw"));
        edit?.Invoke(bundle);
        bundle.Save();
        string id = NewId();
        string pidFile = Path.Combine(_nss.TempDir, id + ".pid");
        var created = Oci("create", "--bundle", bundle.Dir, "--pid-file", pidFile, id);
        Assert.True(created.Code == 0, created.Err);
        int pid = int.Parse(File.ReadAllText(pidFile));
        var started = Oci("start", id);
        if (started.Code != 0)
        {
            Oci("delete", "--force", id);
            Reaper.ReapWithin(pid, Bound);
            Assert.Fail(started.Err);
        }
        return (id, pid, outDir);
    }

    /// <summary>Ends the container (whatever its state), reaps it and checks that nothing of it is left.</summary>
    private void Finish(string id, int pid)
    {
        Oci("delete", "--force", id);
        try
        {
            Reaper.ReapWithin(pid, Bound);
        }
        catch (IOException)
        {
            // reaped by the test already
        }
        Assert.Empty(CgroupDirsOf(id));
        Assert.False(Directory.Exists(Path.Combine(_root, id)));
    }

    private static long Count(string outDir) =>
        long.TryParse(File.Exists(Path.Combine(outDir, "count")) ? File.ReadAllText(Path.Combine(outDir, "count")).Trim() : "", out long n) ? n : -1;

    private const string Counter = "i=0; while :; do i=$((i+1)); echo $i > /out/count.tmp; mv /out/count.tmp /out/count; sleep 0.02; done";

    [Fact]
    public void PauseFreezesEveryProcessAndResumeThawsThem()
    {
        Require.Root();
        var (id, pid, outDir) = StartContainer(null, "/bin/sh", "-c", Counter);
        try
        {
            WaitFor(() => Count(outDir) > 2, "the counter to run");
            Assert.Equal(0, Oci("pause", id).Code);
            Assert.Equal("paused", State(id).GetProperty("status").GetString());
            Assert.Contains("\"status\":\"paused\"", Oci("list", "--format", "json").Out.Replace(" ", ""));
            if (V1CgroupDir(pid, "freezer") is { } freezer) Assert.Equal("FROZEN", File.ReadAllText(Path.Combine(freezer, "freezer.state")).Trim());
            long frozen = Count(outDir);
            Thread.Sleep(500);
            Assert.Equal(frozen, Count(outDir));

            // runc's refusals for a paused container.
            Assert.Contains("container not running", Oci("pause", id).Err);
            Assert.Contains("paused", Oci("exec", id, "/bin/true").Err);
            Assert.Contains("that is not stopped: paused", Oci("delete", id).Err);
            Assert.Contains("paused", Oci("start", id).Err);

            Assert.Equal(0, Oci("resume", id).Code);
            Assert.Equal("running", State(id).GetProperty("status").GetString());
            WaitFor(() => Count(outDir) > frozen + 2, "the counter to go on after resume");
            Assert.Contains("container not paused", Oci("resume", id).Err);

            // SIGKILL ends a paused container (the freezer of cgroup v1 holds a frozen process until it thaws).
            Assert.Equal(0, Oci("pause", id).Code);
            Assert.Equal(0, Oci("kill", id, "KILL").Code);
            Assert.Equal(128 + 9, Reaper.ReapWithin(pid, Bound));
            Assert.Equal("stopped", State(id).GetProperty("status").GetString());
        }
        finally
        {
            Finish(id, pid);
        }
    }

    [Fact]
    public void DeleteForceEndsAPausedContainerWithEveryProcessAndLeavesNoCgroup()
    {
        Require.Root();
        var (id, pid, outDir) = StartContainer(null, "/bin/sh", "-c", "sleep 600 & sleep 600 & " + Counter);
        try
        {
            WaitFor(() => Count(outDir) > 0, "the counter to run");
            WaitFor(() => Oci("ps", id).Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length >= 3, "the container's processes");
            Assert.Equal(0, Oci("pause", id).Code);
            var pids = Oci("ps", "--format", "json", id).Out;
            Assert.Equal(0, Oci("delete", "--force", id).Code);
            Assert.Equal(128 + 9, Reaper.ReapWithin(pid, Bound));
            foreach (var p in JsonDocument.Parse(pids).RootElement.EnumerateArray())
                Assert.False(Directory.Exists($"/proc/{p.GetInt32()}") && !File.ReadAllText($"/proc/{p.GetInt32()}/stat").Contains(") Z "),
                    $"process {p.GetInt32()} of the container survived delete --force");
            Assert.Empty(CgroupDirsOf(id));
        }
        finally
        {
            Finish(id, pid);
        }
    }

    [Fact]
    public void UpdateChangesTheLimitsInTheContainersCgroupAndTheyHold()
    {
        Require.Root();
        var (id, pid, _) = StartContainer(b => b.Linux["resources"] = new JsonObject
        {
            ["memory"] = new JsonObject { ["limit"] = 64 << 20 },
            ["pids"] = new JsonObject { ["limit"] = 50 },
        }, "/bin/sleep", "600");
        try
        {
            string pids = V1CgroupDir(pid, "pids")!, memory = V1CgroupDir(pid, "memory")!, cpu = V1CgroupDir(pid, "cpu")!, cpuset = V1CgroupDir(pid, "cpuset")!;
            Assert.EndsWith($"/nssandbox-oci/{id}", cpuset); // the container joins the cpuset and freezer hierarchies too
            string Read(string dir, string file) => File.ReadAllText(Path.Combine(dir, file)).Trim();

            var flags = Oci("update", "--memory", "48m", "--pids-limit", "4", "--cpu-share", "256", "--cpu-period", "50000", "--cpu-quota", "20000",
                "--cpuset-cpus", "0", id);
            Assert.True(flags.Code == 0, flags.Err);
            Assert.Equal((48 << 20).ToString(), Read(memory, "memory.limit_in_bytes"));
            Assert.Equal("4", Read(pids, "pids.max"));
            Assert.Equal("256", Read(cpu, "cpu.shares"));
            Assert.Equal("50000", Read(cpu, "cpu.cfs_period_us"));
            Assert.Equal("20000", Read(cpu, "cpu.cfs_quota_us"));
            Assert.Equal("0", Read(cpuset, "cpuset.cpus"));
            // Held inside: the container's first process, the exec'd perl and two children are four; the next fork fails.
            var fork = Oci("exec", id, "/usr/bin/perl", "-e",
                "$| = 1; my $n = 0; for (1 .. 10) { my $p = fork; if (!defined $p) { print \"fork failed after $n\\n\"; last } if (!$p) { sleep 30; exit 0 } $n++ } kill 'KILL', -$$;");
            Assert.Contains("fork failed after 2", fork.Out);
            Assert.Contains("Cpus_allowed_list:\t0", Oci("exec", id, "/bin/grep", "Cpus_allowed_list", "/proc/self/status").Out);

            // The resources JSON, as containerd's shim writes it to stdin (zeros leave a value as it is), and from a file.
            string json = Path.Combine(_nss.TempDir, "resources.json");
            File.WriteAllText(json, """{"memory":{"limit":41943040,"reservation":0,"swap":0},"cpu":{"shares":0,"quota":-1,"period":0},"pids":{"limit":-1}}""");
            var fromStdin = OciWithInput(json, "update", "-r", "-", id);
            Assert.True(fromStdin.Code == 0, fromStdin.Err);
            Assert.Equal("41943040", Read(memory, "memory.limit_in_bytes"));
            Assert.Equal("-1", Read(cpu, "cpu.cfs_quota_us"));
            Assert.Equal("50000", Read(cpu, "cpu.cfs_period_us"));
            Assert.Equal("max", Read(pids, "pids.max"));
            File.WriteAllText(json, """{"pids":{"limit":9}}""");
            Assert.Equal(0, Oci("update", "--resources", json, id).Code);
            Assert.Equal("9", Read(pids, "pids.max"));

            // Refused by name, and nothing changes.
            var weight = Oci("update", "--blkio-weight", "500", "--pids-limit", "20", id);
            Assert.NotEqual(0, weight.Code);
            Assert.Contains("--blkio-weight", weight.Err);
            File.WriteAllText(json, """{"pids":{"limit":20},"memory":{"swappiness":5}}""");
            var swappiness = Oci("update", "-r", json, id);
            Assert.NotEqual(0, swappiness.Code);
            Assert.Contains("memory.swappiness", swappiness.Err);
            File.WriteAllText(json, "{\"pids\":{\"limit\":20,\n \"nonsense\":1}}");
            Assert.Matches(@"resources\.json:2:\d+: pids\.nonsense", Oci("update", "-r", json, id).Err);
            Assert.NotEqual(0, Oci("update", "-r", json, "--pids-limit", "3", id).Code);
            Assert.Equal("9", Read(pids, "pids.max"));
            // The kernel's refusal of a limit below what the container uses, in runc's words.
            var tiny = Oci("update", "--memory", "4096", id);
            if (tiny.Code != 0) Assert.Contains("unable to set memory limit to 4096", tiny.Err);

            Assert.Equal(0, Oci("kill", id, "KILL").Code);
            Reaper.ReapWithin(pid, Bound);
            Assert.Contains("container not running", Oci("update", "--pids-limit", "5", id).Err);
        }
        finally
        {
            Finish(id, pid);
        }
    }

    [Fact]
    public void EventsStatsAreRuncsJsonWithTheContainersFigures()
    {
        Require.Root();
        var (id, pid, _) = StartContainer(b => b.Linux["resources"] = new JsonObject
        {
            ["memory"] = new JsonObject { ["limit"] = 100 << 20 },
            ["pids"] = new JsonObject { ["limit"] = 50 },
        }, "/bin/sh", "-c", "i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done; exec sleep 600");
        try
        {
            var (code, output, err) = Oci("events", "--stats", id);
            Assert.True(code == 0, err);
            Assert.Single(output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            var e = JsonDocument.Parse(output).RootElement;
            Assert.Equal("stats", e.GetProperty("type").GetString());
            Assert.Equal(id, e.GetProperty("id").GetString());
            var data = e.GetProperty("data");
            Assert.Equal(100 << 20, data.GetProperty("memory").GetProperty("usage").GetProperty("limit").GetInt64());
            Assert.True(data.GetProperty("memory").GetProperty("usage").GetProperty("usage").GetInt64() > 0);
            Assert.Equal(50, data.GetProperty("pids").GetProperty("limit").GetInt32());
            Assert.Equal(1, data.GetProperty("pids").GetProperty("current").GetInt32());
            Assert.True(data.GetProperty("cpu").GetProperty("usage").GetProperty("total").GetInt64() > 0);
            Assert.NotEmpty(data.GetProperty("cpuset").GetProperty("cpus").EnumerateArray());

            // The same fields as runc's own events for the same bundle, where runc is installed (those runc leaves out
            // when zero are compared by the values above, not here).
            if (RuncStatsKeys() is { } runc) Assert.Equal(runc, KeyPaths(data));

            var bad = Oci("events", "--interval", "0s", id);
            Assert.Equal(125, bad.Code);
            Assert.Contains("--interval", bad.Err);
            Assert.Equal(0, Oci("kill", id, "KILL").Code);
            Reaper.ReapWithin(pid, Bound);
            Assert.Contains($"container with id {id} is not running", Oci("events", "--stats", id).Err);
        }
        finally
        {
            Finish(id, pid);
        }
    }

    [Fact]
    public void TheEventsStreamGivesStatsAtItsIntervalAndAnOomKillAndEndsWithTheContainer()
    {
        Require.Root();
        // Swap is limited with memory, so the allocation cannot go to swap instead of to the OOM killer.
        var (id, pid, _) = StartContainer(b => b.Linux["resources"] = new JsonObject
        {
            ["memory"] = new JsonObject { ["limit"] = 32 << 20, ["swap"] = 32 << 20 },
        }, "/bin/sh", "-c", "sleep 1; /usr/bin/perl -e '$x = \"a\" x (128 << 20)'; sleep 1; exit 0");
        try
        {
            var watch = Stopwatch.StartNew();
            var (code, output, err) = Oci("events", "--interval", "200ms", id);
            Assert.True(code == 0, err);
            var events = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
            Assert.Contains(events, e => e.GetProperty("type").GetString() == "oom" && e.GetProperty("id").GetString() == id);
            Assert.True(events.Count(e => e.GetProperty("type").GetString() == "stats") >= 3, output);
            Assert.True(watch.Elapsed < Bound, "the stream did not end with the container");
            Assert.Equal(0, Reaper.ReapWithin(pid, Bound)); // the shell went on after its child was killed
        }
        finally
        {
            Finish(id, pid);
        }
    }

    [Fact]
    public void CreateContainerAndStartContainerHooksRunInTheContainersNamespaces()
    {
        Require.Root();
        string log = Path.Combine(_nss.TempDir, "create-container.log");
        JsonObject Hook(string script) => new()
        {
            ["path"] = "/bin/sh", ["args"] = new JsonArray("sh", "-c", script), ["env"] = new JsonArray("HOOK=1", "PATH=/usr/bin:/bin"),
        };
        var (id, pid, outDir) = StartContainer(b =>
        {
            b.Config["hostname"] = "hooked";
            b.Process["user"] = new JsonObject { ["uid"] = 1000, ["gid"] = 1000 };
            b.Process["cwd"] = "/out";
            b.Config["hooks"] = new JsonObject
            {
                // Before pivot_root: the host's paths, the rootfs as the working directory.
                ["createContainer"] = new JsonArray(Hook(
                    $"{{ hostname; readlink /proc/self/ns/mnt /proc/self/ns/pid; pwd; id -u; echo $HOOK; cat; echo; }} > {log}")),
                // In the container's root, as its process: /out is the container's mount.
                ["startContainer"] = new JsonArray(Hook("{ hostname; id -u; pwd; cat; echo; } > /out/start-container.log")),
            };
        }, "/bin/sh", "-c", "test -f /out/start-container.log && echo after > /out/command.log; exec sleep 600");
        try
        {
            var created = File.ReadAllLines(log);
            Assert.Equal("hooked", created[0]);
            Assert.Equal(new FileInfo($"/proc/{pid}/ns/mnt").LinkTarget, created[1]);
            Assert.Equal(new FileInfo($"/proc/{pid}/ns/pid").LinkTarget, created[2]);
            Assert.EndsWith("/rootfs", created[3]);
            Assert.Equal("0", created[4]);
            Assert.Equal("1", created[5]);
            Assert.Contains("\"status\":\"creating\"", created[6].Replace(" ", ""));
            Assert.Contains($"\"pid\":{pid}", created[6].Replace(" ", ""));

            WaitFor(() => File.Exists(Path.Combine(outDir, "command.log")), "the command after the startContainer hook");
            var started = File.ReadAllLines(Path.Combine(outDir, "start-container.log"));
            Assert.Equal(["hooked", "1000", "/out"], started[..3]);
            Assert.Contains("\"status\":\"created\"", started[3].Replace(" ", ""));
        }
        finally
        {
            Finish(id, pid);
        }
    }

    [Fact]
    public void HooksRunInTheContainersOwnUserNamespace()
    {
        Require.Root();
        JsonObject Hook(string script) => new() { ["path"] = "/bin/sh", ["args"] = new JsonArray("sh", "-c", script) };
        var (id, pid, outDir) = StartContainer(b =>
        {
            Directory.CreateDirectory(Path.Combine(b.RootFs, "out")); // container root may not write the host root's rootfs
            b.Linux["namespaces"]!.AsArray().Add((JsonNode)new JsonObject { ["type"] = "user" });
            b.Linux["uidMappings"] = new JsonArray(new JsonObject { ["containerID"] = 0, ["hostID"] = 310000, ["size"] = 65536 });
            b.Linux["gidMappings"] = new JsonArray(new JsonObject { ["containerID"] = 0, ["hostID"] = 310000, ["size"] = 65536 });
            b.Config["hooks"] = new JsonObject
            {
                // Before pivot_root, in the rootfs: the /out bind is out/ there.
                ["createContainer"] = new JsonArray(Hook("{ readlink /proc/self/ns/user; id -u; } > out/create")),
                ["startContainer"] = new JsonArray(Hook("{ readlink /proc/self/ns/user; id -u; } > /out/start")),
            };
        }, "/bin/sh", "-c", "test -f /out/start && echo after > /out/command.log; exec sleep 600");
        try
        {
            string userNs = new FileInfo($"/proc/{pid}/ns/user").LinkTarget!;
            Assert.NotEqual(new FileInfo("/proc/self/ns/user").LinkTarget, userNs);
            Assert.Equal([userNs, "0"], File.ReadAllLines(Path.Combine(outDir, "create")));
            Assert.Equal((310000u, 310000u), FileOwner(Path.Combine(outDir, "create"))); // container root, as the host sees it
            WaitFor(() => File.Exists(Path.Combine(outDir, "command.log")), "the command after the startContainer hook");
            Assert.Equal([userNs, "0"], File.ReadAllLines(Path.Combine(outDir, "start")));
        }
        finally
        {
            Finish(id, pid);
        }
    }

    [Fact]
    public void AFailingStartContainerHookStopsTheContainerBeforeItsCommand()
    {
        Require.Root();
        string outDir = Path.Combine(_nss.TempDir, "out-fail");
        Directory.CreateDirectory(outDir);
        var bundle = new OciBundle(_nss, "/bin/sh", "-c", "echo ran > /out/command.log");
        bundle.Mounts.Add(OciBundle.Mount("/out", "bind", outDir, "rbind", "rw"));
        bundle.Config["hooks"] = new JsonObject
        {
            ["startContainer"] = new JsonArray(new JsonObject { ["path"] = "/bin/sh", ["args"] = new JsonArray("sh", "-c", "echo no good >&2; exit 3") }),
        };
        bundle.Save();
        string id = NewId(), pidFile = Path.Combine(_nss.TempDir, "fail.pid");
        Assert.Equal(0, Oci("create", "--bundle", bundle.Dir, "--pid-file", pidFile, id).Code);
        int pid = int.Parse(File.ReadAllText(pidFile));
        try
        {
            var start = Oci("start", id);
            Assert.NotEqual(0, start.Code);
            Assert.Contains("startContainer hook /bin/sh exited with 3: no good", start.Err);
            Assert.Equal(128 + 9, Reaper.ReapWithin(pid, Bound));
            Assert.False(File.Exists(Path.Combine(outDir, "command.log")));
        }
        finally
        {
            Finish(id, pid);
        }
    }

    [Fact]
    public void AFailingCreateContainerHookFailsCreateAndLeavesNothing()
    {
        Require.Root();
        var bundle = new OciBundle(_nss, "/bin/true");
        bundle.Config["hooks"] = new JsonObject
        {
            ["createContainer"] = new JsonArray(new JsonObject { ["path"] = "/no/such/hook" }),
        };
        bundle.Save();
        string id = NewId();
        var (code, _, err) = Oci("create", "--bundle", bundle.Dir, id);
        Assert.NotEqual(0, code);
        Assert.Contains("createContainer hook /no/such/hook", err);
        Assert.False(Directory.Exists(Path.Combine(_root, id)));
        Assert.Empty(CgroupDirsOf(id));

        // The same in a container with its own user namespace, where the hook starts in it.
        bundle.Linux["namespaces"]!.AsArray().Add((JsonNode)new JsonObject { ["type"] = "user" });
        bundle.Linux["uidMappings"] = new JsonArray(new JsonObject { ["containerID"] = 0, ["hostID"] = 100000, ["size"] = 65536 });
        bundle.Linux["gidMappings"] = new JsonArray(new JsonObject { ["containerID"] = 0, ["hostID"] = 100000, ["size"] = 65536 });
        bundle.Save();
        id = NewId();
        var failed = Oci("create", "--bundle", bundle.Dir, id);
        Assert.NotEqual(0, failed.Code);
        Assert.Contains("createContainer hook /no/such/hook", failed.Err);
        Assert.False(Directory.Exists(Path.Combine(_root, id)));
        Assert.Empty(CgroupDirsOf(id));
    }

    [Fact]
    public void FeaturesClaimTheLifecycle()
    {
        var f = JsonDocument.Parse(Oci("features").Out).RootElement;
        Assert.Equal(["prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop"],
            f.GetProperty("hooks").EnumerateArray().Select(h => h.GetString()!));
        string supports = f.GetProperty("annotations").GetProperty("io.github.nssandbox.supports").GetString()!;
        Assert.All(new[] { "pause", "update", "events" }, c => Assert.Contains(c, supports.Split(',')));
    }

    /// <summary>Every field's path in a stats object but those runc leaves out when they are zero or empty (they
    /// depend on the figures, not the shape; memory.raw's keys are the kernel's).</summary>
    private static SortedSet<string> KeyPaths(JsonElement data)
    {
        var paths = new SortedSet<string>(StringComparer.Ordinal);
        string[] omittedWhenZero =
        [
            "cpu.usage.total", "cpu.usage.percpu", "cpu.usage.percpu_kernel", "cpu.usage.percpu_user", "cpu.throttling.periods",
            "cpu.throttling.throttledPeriods", "cpu.throttling.throttledTime", "cpuset.cpus", "cpuset.mems", "memory.cache", "memory.raw",
            "pids.current", "pids.limit",
        ];
        void Walk(JsonElement e, string path)
        {
            if (e.ValueKind != JsonValueKind.Object) return;
            foreach (var p in e.EnumerateObject())
            {
                string child = path.Length == 0 ? p.Name : path + "." + p.Name;
                if (omittedWhenZero.Contains(child) || (path.StartsWith("memory.", StringComparison.Ordinal) && p.Name is "usage" or "max")) continue;
                paths.Add(child);
                Walk(p.Value, child);
            }
        }
        Walk(data, "");
        return paths;
    }

    /// <summary>runc's stats fields for a container of the same kind, or null without runc.</summary>
    private SortedSet<string>? RuncStatsKeys()
    {
        string? runc = new[] { "/usr/sbin/runc", "/usr/bin/runc" }.FirstOrDefault(File.Exists);
        if (runc is null) return null;
        var bundle = new OciBundle(_nss, "/bin/sleep", "600");
        bundle.Linux["resources"] = new JsonObject { ["memory"] = new JsonObject { ["limit"] = 100 << 20 }, ["pids"] = new JsonObject { ["limit"] = 50 } };
        bundle.Save();
        string root = Path.Combine(_nss.TempDir, "runc-root"), id = NewId();
        // Through files, as Oci does: the detached container keeps runc's stdio open.
        string Runc(params string[] args)
        {
            string outFile = Path.Combine(_nss.TempDir, "runc.out"), errFile = Path.Combine(_nss.TempDir, "runc.err");
            var psi = new ProcessStartInfo("/bin/sh") { UseShellExecute = false };
            foreach (string a in new[] { "-c", $"exec \"$0\" \"$@\" </dev/null >'{outFile}' 2>'{errFile}'", runc, "--root", root }.Concat(args))
                psi.ArgumentList.Add(a);
            using var p = Process.Start(psi)!;
            if (!p.WaitForExit(Bound)) p.Kill(entireProcessTree: true);
            Assert.True(p.HasExited && p.ExitCode == 0, $"runc {string.Join(' ', args)}: {File.ReadAllText(errFile)}");
            return File.ReadAllText(outFile);
        }
        Runc("run", "--detach", "--bundle", bundle.Dir, id);
        int pid = JsonDocument.Parse(Runc("state", id)).RootElement.GetProperty("pid").GetInt32();
        try
        {
            return KeyPaths(JsonDocument.Parse(Runc("events", "--stats", id)).RootElement.GetProperty("data"));
        }
        finally
        {
            Runc("delete", "--force", id);
            Reaper.ReapWithin(pid, Bound); // the detached container became this subreaper's child
        }
    }
}
