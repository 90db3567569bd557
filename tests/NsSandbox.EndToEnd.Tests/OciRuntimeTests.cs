using System.Text.Json;
using System.Text.Json.Nodes;
using NsSandbox.EndToEnd.Tests.Linux;

namespace NsSandbox.EndToEnd.Tests;

/// <summary>The OCI runtime (runc's command line) on bundles made by the tests: the lifecycle a shim drives
/// (create returns with the container waiting, start, state, kill, delete), what config.json asks for holding
/// in the real container, refusals that create nothing, and nothing left after delete. This suite is a
/// subreaper, as containerd's shim is, so a created container becomes its child and is reaped here.</summary>
public sealed partial class OciRuntimeTests : IDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);
    private readonly Launcher _nss = new();
    private readonly string _root;

    public OciRuntimeTests() => _root = Path.Combine(_nss.StateDir, "oci");

    public void Dispose()
    {
        Assert.False(Directory.Exists(_root) && Directory.EnumerateFileSystemEntries(_root).Any(), "container state left in " + _root);
        _nss.Dispose();
    }

    private static string NewId() => "t" + Guid.NewGuid().ToString("N")[..12];

    /// <summary>A runtime command with its output (and a created container's, which inherits it) in files.</summary>
    private (int Code, string Out, string Err) Oci(params string[] args) => OciWithInput(null, args);

    /// <summary>The same, with standard input from a file (else the test's).</summary>
    private (int Code, string Out, string Err) OciWithInput(string? input, params string[] args)
    {
        string id = Guid.NewGuid().ToString("N")[..8];
        string outFile = Path.Combine(_nss.TempDir, $"out-{id}"), errFile = Path.Combine(_nss.TempDir, $"err-{id}");
        string stdin = input is null ? "" : $" <'{input}'";
        var r = _nss.RunRaw(["oci", "--root", _root, .. args], bashPrefix: $"exec >'{outFile}' 2>'{errFile}'{stdin};");
        return (r.ExitCode, File.ReadAllText(outFile), File.ReadAllText(errFile));
    }

    private JsonElement State(string id)
    {
        var (code, output, err) = Oci("state", id);
        Assert.True(code == 0, err);
        return JsonDocument.Parse(output).RootElement.Clone();
    }

    [Fact]
    public void RunGivesTheContainersExitStatusAndLeavesNothing()
    {
        Require.Root();
        var bundle = new OciBundle(_nss, "/bin/sh", "-c", "echo hello; exit 3");
        string id = NewId();
        var (code, output, err) = Oci("run", "--bundle", bundle.Dir, id);
        Assert.True(code == 3, $"exit {code}: {err}");
        Assert.Equal("hello\n", output);
        Assert.False(Directory.Exists(Path.Combine(_root, id)));
        Assert.False(Directory.Exists($"/sys/fs/cgroup/pids/nssandbox-oci/{id}"));
    }

    [Fact]
    public void CreateLeavesTheContainerWaitingUntilStartAndDeleteRemovesIt()
    {
        Require.Root();
        string marker = Path.Combine(_nss.TempDir, "started");
        var bundle = new OciBundle(_nss, "/bin/sh", "-c", "echo ran > /out/started; exec sleep 600");
        Directory.CreateDirectory(Path.Combine(_nss.TempDir, "out"));
        bundle.Mounts.Add(OciBundle.Mount("/out", "bind", Path.Combine(_nss.TempDir, "out"), "rbind", "rw"));
        bundle.Save();
        string id = NewId();
        string pidFile = Path.Combine(_nss.TempDir, "pid");
        var created = Oci("create", "--bundle", bundle.Dir, "--pid-file", pidFile, id);
        Assert.True(created.Code == 0, created.Err);
        int pid = int.Parse(File.ReadAllText(pidFile));
        var state = State(id);
        Assert.Equal("created", state.GetProperty("status").GetString());
        Assert.Equal(pid, state.GetProperty("pid").GetInt32());
        Assert.Equal(bundle.Dir, state.GetProperty("bundle").GetString());
        Assert.True(Subreaper.IsLive(pid));
        Thread.Sleep(200);
        Assert.False(File.Exists(Path.Combine(_nss.TempDir, "out", "started")), "the command ran before start");

        Assert.Equal(0, Oci("start", id).Code);
        WaitFor(() => File.Exists(Path.Combine(_nss.TempDir, "out", "started")), "the command to run after start");
        Assert.Equal("running", State(id).GetProperty("status").GetString());
        var again = Oci("start", id);
        Assert.NotEqual(0, again.Code);
        Assert.Contains("running", again.Err);
        var refused = Oci("delete", id);
        Assert.NotEqual(0, refused.Code);
        Assert.Contains("not stopped", refused.Err);

        Assert.Equal(0, Oci("kill", id, "KILL").Code);
        Assert.Equal(128 + 9, Reaper.ReapWithin(pid, Bound));
        Assert.Equal("stopped", State(id).GetProperty("status").GetString());
        Assert.Equal(0, Oci("delete", id).Code);
        Assert.False(Directory.Exists(Path.Combine(_root, id)));
        Assert.NotEqual(0, Oci("state", id).Code);
        Assert.False(File.Exists(marker));
    }

    [Fact]
    public void ExecRunsInTheContainersNamespacesCgroupAndIdentity()
    {
        Require.Root();
        var bundle = new OciBundle(_nss, "/bin/sleep", "600");
        bundle.Config["hostname"] = "exec-test";
        bundle.Linux["resources"] = new JsonObject { ["pids"] = new JsonObject { ["limit"] = 50 } };
        bundle.Save();
        string id = NewId();
        string pidFile = Path.Combine(_nss.TempDir, "pid");
        Assert.Equal(0, Oci("create", "--bundle", bundle.Dir, "--pid-file", pidFile, id).Code);
        int pid = int.Parse(File.ReadAllText(pidFile));
        try
        {
            Assert.Equal(0, Oci("start", id).Code);
            var (code, output, err) = Oci("exec", "--user", "1000:1000", id, "/bin/sh", "-c",
                "hostname; tr '\\0' ' ' < /proc/1/cmdline; echo; id -u; grep pids /proc/self/cgroup; exit 5");
            Assert.True(code == 5, $"exit {code}: {err}");
            var lines = output.Split('\n');
            Assert.Equal("exec-test", lines[0]);
            Assert.Equal("/bin/sleep 600", lines[1].Trim());   // pid 1 of the container's pid namespace
            Assert.Equal("1000", lines[2]);
            Assert.EndsWith($"/nssandbox-oci/{id}", lines[3]);
            var missing = Oci("exec", id, "no-such-command");
            Assert.NotEqual(0, missing.Code);
            Assert.Contains("executable file not found", missing.Err);
            // The process list of the container holds only its first process again.
            var ps = Oci("ps", "--format", "json", id);
            Assert.Equal($"[{pid}]", ps.Out.Trim());
        }
        finally
        {
            Oci("delete", "--force", id);
            Reaper.ReapWithin(pid, Bound);
        }
    }

    [Fact]
    public void DeleteForceEndsACreatedContainerThatNeverStarted()
    {
        Require.Root();
        var bundle = new OciBundle(_nss, "/bin/true");
        string id = NewId();
        string pidFile = Path.Combine(_nss.TempDir, "pid");
        Assert.Equal(0, Oci("create", "--bundle", bundle.Dir, "--pid-file", pidFile, id).Code);
        int pid = int.Parse(File.ReadAllText(pidFile));
        Assert.Equal(0, Oci("delete", "--force", id).Code);
        Assert.Equal(128 + 9, Reaper.ReapWithin(pid, Bound));
        Assert.Empty(Oci("list", "--quiet").Out);
    }

    [Fact]
    public void TheContainerHasTheConfigsIdentityLimitsAndKernelSettings()
    {
        Require.Root();
        var bundle = new OciBundle(_nss, "/bin/sh", "-c",
            "id -u; id -g; id -G; hostname; grep CapEff /proc/self/status; ulimit -n; cat /proc/sys/net/ipv4/ip_unprivileged_port_start; " +
            "wc -c < /proc/keys; echo 1 > /proc/sys/kernel/ns_last_pid 2>/dev/null || echo proc-sys-ro; touch /x 2>/dev/null || echo root-ro; " +
            "touch /usr/x 2>/dev/null || echo usr-ro; cat /sys/fs/cgroup/pids/pids.max; ls /dev/null /dev/zero /dev/full /dev/random /dev/urandom /dev/tty | wc -l; ls -l /dev/null");
        bundle.Process["user"] = new JsonObject { ["uid"] = 1000, ["gid"] = 1001, ["additionalGids"] = new JsonArray(1002, 1003) };
        bundle.Process["capabilities"] = new JsonObject
        {
            ["bounding"] = new JsonArray("CAP_NET_BIND_SERVICE", "CAP_KILL"),
            ["effective"] = new JsonArray("CAP_NET_BIND_SERVICE"),
            ["permitted"] = new JsonArray("CAP_NET_BIND_SERVICE"),
            ["inheritable"] = new JsonArray("CAP_NET_BIND_SERVICE"),
            ["ambient"] = new JsonArray("CAP_NET_BIND_SERVICE"),
        };
        bundle.Process["rlimits"] = new JsonArray(new JsonObject { ["type"] = "RLIMIT_NOFILE", ["soft"] = 77, ["hard"] = 88 });
        bundle.Config["hostname"] = "oci-test";
        bundle.Linux["sysctl"] = new JsonObject { ["net.ipv4.ip_unprivileged_port_start"] = "123" };
        bundle.Linux["resources"] = new JsonObject { ["pids"] = new JsonObject { ["limit"] = 42 } };
        bundle.Mounts.Add(OciBundle.Mount("/sys/fs/cgroup", "cgroup", "cgroup", "ro", "nosuid", "noexec", "nodev"));
        bundle.Save();
        var (code, output, err) = Oci("run", "--bundle", bundle.Dir, NewId());
        Assert.True(code == 0, err);
        var lines = output.Split('\n');
        Assert.Equal("1000", lines[0]);
        Assert.Equal("1001", lines[1]);
        Assert.Equal("1001 1002 1003", lines[2]);
        Assert.Equal("oci-test", lines[3]);
        Assert.Equal("CapEff:\t0000000000000400", lines[4]); // CAP_NET_BIND_SERVICE (10), kept by the ambient set
        Assert.Equal("77", lines[5]);
        Assert.Equal("123", lines[6]);
        Assert.Equal("0", lines[7].Trim());      // /proc/keys masked by /dev/null
        Assert.Equal("proc-sys-ro", lines[8]);
        Assert.Equal("root-ro", lines[9]);
        Assert.Equal("usr-ro", lines[10]);
        Assert.Equal("42", lines[11]);
        Assert.Equal("6", lines[12].Trim());
        Assert.Contains("crw-rw-rw-", output); // the default devices' mode, whatever the runtime's umask
        // The host's own value is untouched: the sysctl was the container's network namespace's.
        Assert.NotEqual("123", File.ReadAllText("/proc/sys/net/ipv4/ip_unprivileged_port_start").Trim());
    }

    [Fact]
    public void AReadOnlyBindIsReadOnlyAllTheWayDown()
    {
        Require.Root();
        // A host tree with a submount: runc's "ro" bind leaves the submount writable; ours does not.
        string tree = Path.Combine(_nss.TempDir, "tree");
        Directory.CreateDirectory(Path.Combine(tree, "sub"));
        var bundle = new OciBundle(_nss, "/bin/sh", "-c", "touch /t/sub/x 2>/dev/null && echo writable || echo read-only");
        bundle.Mounts.Add(OciBundle.Mount("/t", "bind", tree, "rbind", "ro"));
        bundle.Mounts.Add(OciBundle.Mount("/t/sub", "tmpfs", "tmpfs", "size=1m"));
        bundle.Save();
        var inner = Oci("run", "--bundle", bundle.Dir, NewId());
        Assert.True(inner.Code == 0, inner.Err);
        Assert.Equal("writable\n", inner.Out); // a mount the config makes below it is the config's own
        Assert.False(File.Exists(Path.Combine(tree, "sub", "x")));
    }

    [Fact]
    public void AFieldOutsideTheSpecIsRefusedByNameAndNothingIsCreated()
    {
        Require.Root();
        var bundle = new OciBundle(_nss, "/bin/true");
        bundle.Process["nonsense"] = 1;
        bundle.Save();
        string id = NewId();
        var (code, _, err) = Oci("create", "--bundle", bundle.Dir, id);
        Assert.NotEqual(0, code);
        Assert.Matches(@"config\.json:\d+:\d+: process\.nonsense: 'nonsense' is not a field", err);
        Assert.False(Directory.Exists(Path.Combine(_root, id)));
    }

    [Fact]
    public void AFieldNotImplementedIsRefusedByName()
    {
        Require.Root();
        var bundle = new OciBundle(_nss, "/bin/true");
        bundle.Linux["intelRdt"] = new JsonObject { ["closID"] = "x" };
        bundle.Save();
        var (code, _, err) = Oci("create", "--bundle", bundle.Dir, NewId());
        Assert.NotEqual(0, code);
        Assert.Contains("not supported yet: linux.intelRdt", err);
    }

    [Fact]
    public void AMissingCommandFailsCreateAsRuncSaysItAndLeavesNothing()
    {
        Require.Root();
        var bundle = new OciBundle(_nss, "no-such-command");
        string id = NewId();
        var (code, _, err) = Oci("create", "--bundle", bundle.Dir, id);
        Assert.NotEqual(0, code);
        Assert.Contains("exec: \"no-such-command\": executable file not found in $PATH", err);
        Assert.False(Directory.Exists(Path.Combine(_root, id)));
        Assert.False(Directory.Exists($"/sys/fs/cgroup/pids/nssandbox-oci/{id}"));
    }

    [Fact]
    public void HooksGetTheStateOnStdinAndRunAtTheirStages()
    {
        Require.Root();
        string log = Path.Combine(_nss.TempDir, "hooks.log");
        var bundle = new OciBundle(_nss, "/bin/true");
        JsonObject Hook(string stage) => new()
        {
            ["path"] = "/bin/sh",
            ["args"] = new JsonArray("sh", "-c", $"printf '{stage} %s ' \"$0\" >> {log}; cat >> {log}; echo >> {log}", "argv0-kept"),
        };
        bundle.Config["hooks"] = new JsonObject
        {
            ["prestart"] = new JsonArray(Hook("prestart")),
            ["poststart"] = new JsonArray(Hook("poststart")),
            ["poststop"] = new JsonArray(Hook("poststop")),
        };
        bundle.Save();
        string id = NewId();
        var (code, _, err) = Oci("run", "--bundle", bundle.Dir, id);
        Assert.True(code == 0, err);
        var lines = File.ReadAllLines(log);
        Assert.Equal(3, lines.Length);
        Assert.StartsWith("prestart argv0-kept {", lines[0]);
        Assert.Contains($"\"id\":\"{id}\"", lines[0].Replace(" ", ""));
        Assert.Contains("\"status\":\"creating\"", lines[0].Replace(" ", ""));
        Assert.StartsWith("poststart argv0-kept", lines[1]);
        Assert.StartsWith("poststop argv0-kept", lines[2]);
    }

    [Fact]
    public void FeaturesAndListAreJson()
    {
        var features = Oci("features");
        Assert.Equal(0, features.Code);
        Assert.Equal("1.0.2", JsonDocument.Parse(features.Out).RootElement.GetProperty("ociVersionMax").GetString());
        var list = Oci("list", "--format", "json");
        Assert.Equal(0, list.Code);
        Assert.Equal(JsonValueKind.Array, JsonDocument.Parse(list.Out).RootElement.ValueKind);
    }

    private static void WaitFor(Func<bool> condition, string what)
    {
        var until = DateTime.UtcNow + Bound;
        while (!condition())
        {
            if (DateTime.UtcNow > until) throw new TimeoutException($"waited {Bound.TotalSeconds:0} s for {what}");
            Thread.Sleep(20);
        }
    }
}
