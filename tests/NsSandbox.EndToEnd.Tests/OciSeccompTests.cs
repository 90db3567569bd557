using System.Text.Json;
using System.Text.Json.Nodes;
using NsSandbox.Policy.Tests.Oci;

namespace NsSandbox.EndToEnd.Tests;

/// <summary>OCI seccomp profiles in real sandboxes (--seccomp_oci): Docker's default profile as a real dockerd sends
/// it (captured, see tools/capture-docker-seccomp.sh), and profiles written here. Each refusal is checked against a
/// run without a filter, so a test cannot pass because the call would have failed anyway.</summary>
public sealed class OciSeccompTests(SyscallProbe probe, DockerCapture docker) : IClassFixture<SyscallProbe>, IClassFixture<DockerCapture>, IDisposable
{
    private readonly Launcher _nss = new();

    public void Dispose() => _nss.Dispose();

    private LaunchResult Probe(IEnumerable<string> flags, params string[] calls) =>
        _nss.Run([.. probe.BindFlags, .. flags], [probe.InSandbox, .. calls]);

    private string Write(string name, string json)
    {
        string path = Path.Combine(_nss.TempDir, name);
        File.WriteAllText(path, json);
        return path;
    }

    [Fact]
    public void DockersDefaultProfileDeniesWhatDockerDenies()
    {
        probe.Require();
        docker.Require();
        string[] allowed = ["uname", "getppid", "fork", "thread", "socket_unix", "personality_query"];
        string[] denied = ["clone_newuser", "unshare_user", "mount", "keyctl", "bpf", "personality_bsd"];
        // clone3 answers ENOSYS by its rule; mseal, newer than every syscall Docker's profile names, by runc's stub.
        string[] absent = ["clone3", "mseal"];
        var r = Probe(["--seccomp_oci", docker.DefaultConfig!], [.. allowed, .. denied, .. absent]);
        Assert.Equal(0, r.ExitCode);
        var filtered = SyscallProbe.Results(r.Stdout);
        Assert.All(allowed, c => Assert.Equal("ok", filtered[c]));
        Assert.All(denied, c => Assert.Equal("errno 1", filtered[c]));
        Assert.All(absent, c => Assert.Equal("errno 38", filtered[c]));
        Assert.Equal(docker.DefaultConfig, r.Report!.Value.GetProperty("sandbox").GetProperty("seccomp_policy").GetString());

        var unfiltered = SyscallProbe.Results(Probe(["--disable_seccomp"], [.. denied, .. absent]).Stdout);
        Assert.All(denied, c => Assert.NotEqual("errno 1", unfiltered[c]));
        Assert.All(absent, c => Assert.NotEqual("errno 38", unfiltered[c]));
    }

    [Fact]
    public void TheOciRuntimeLoadsDockersProfileFromConfigJson()
    {
        Require.Root();
        probe.Require();
        docker.Require();
        string[] denied = ["keyctl", "bpf", "unshare_user"];
        string[] calls = ["getppid", "fork", .. denied, "clone3"];
        var seccomp = JsonNode.Parse(JsonDocument.Parse(File.ReadAllText(docker.DefaultConfig!)).RootElement
            .GetProperty("linux").GetProperty("seccomp").GetRawText())!;
        var (code, output, err) = RunContainer(seccomp, calls);
        Assert.True(code == 0, err);
        var filtered = SyscallProbe.Results(output);
        Assert.Equal(["ok", "ok", "errno 1", "errno 1", "errno 1", "errno 38"], calls.Select(c => filtered[c]));
        (code, output, err) = RunContainer(null, calls);
        Assert.True(code == 0, err);
        var unfiltered = SyscallProbe.Results(output);
        Assert.All(denied, c => Assert.NotEqual("errno 1", unfiltered[c]));
        Assert.NotEqual("errno 38", unfiltered["clone3"]);

        // A mistake in it is refused at its place in config.json, before anything is created.
        seccomp["syscalls"]![0]!["action"] = "SCMP_ACT_PERMIT";
        (code, _, err) = RunContainer(seccomp, calls);
        Assert.NotEqual(0, code);
        Assert.Matches(@"config\.json:\d+:\d+: linux\.seccomp\.syscalls\[0\]: unknown action ""SCMP_ACT_PERMIT""", err);
    }

    [Fact]
    public void TheRuntimesFeaturesListWhatItsSeccompTakes()
    {
        var r = _nss.RunRaw(["oci", "features"]);
        Assert.Equal(0, r.ExitCode);
        var seccomp = JsonDocument.Parse(r.Stdout).RootElement.GetProperty("linux").GetProperty("seccomp");
        Assert.True(seccomp.GetProperty("enabled").GetBoolean());
        string[] Names(string field) => seccomp.GetProperty(field).EnumerateArray().Select(e => e.GetString()!).ToArray();
        // Every action but NOTIFY, which needs a seccomp agent; all of the spec's operators; TSYNC, LOG and SPEC_ALLOW.
        Assert.Equal(8, Names("actions").Length);
        Assert.DoesNotContain("SCMP_ACT_NOTIFY", Names("actions"));
        Assert.Equal(7, Names("operators").Length);
        Assert.Contains("SCMP_ARCH_X86_64", Names("archs"));
        Assert.Equal(["SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW"], Names("supportedFlags"));
    }

    /// <summary>`nssandbox oci run` of a bundle whose process is the probe, with this linux.seccomp (or none).</summary>
    private (int Code, string Out, string Err) RunContainer(JsonNode? seccomp, string[] calls)
    {
        var bundle = new OciBundle(_nss, [probe.InSandbox, .. calls]);
        bundle.Mounts.Add(OciBundle.Mount(SyscallProbe.MountPoint, "bind", Path.GetDirectoryName(probe.OnHost)!, "rbind", "ro"));
        Directory.CreateDirectory(Path.Combine(bundle.RootFs, SyscallProbe.MountPoint.TrimStart('/')));
        if (seccomp is not null) bundle.Linux["seccomp"] = seccomp.DeepClone();
        bundle.Save();
        string root = Path.Combine(_nss.StateDir, "oci"), id = "s" + Guid.NewGuid().ToString("N")[..12];
        string outFile = Path.Combine(_nss.TempDir, $"out-{id}"), errFile = Path.Combine(_nss.TempDir, $"err-{id}");
        var r = _nss.RunRaw(["oci", "--root", root, "run", "--bundle", bundle.Dir, id], bashPrefix: $"exec >'{outFile}' 2>'{errFile}';");
        Assert.False(Directory.Exists(Path.Combine(root, id)), "container state left behind");
        return (r.ExitCode, File.ReadAllText(outFile), File.ReadAllText(errFile));
    }

    [Fact]
    public void AProfileAloneKillsAndTheReportNamesTheCall()
    {
        probe.Require();
        string profile = Write("kill-getppid.json", """
            {"defaultAction": "SCMP_ACT_ALLOW",
             "syscalls": [{"names": ["getppid"], "action": "SCMP_ACT_KILL_PROCESS"},
                          {"names": ["uname"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13, "args": [{"index": 0, "value": 0, "op": "SCMP_CMP_NE"}]}]}
            """);
        var r = Probe(["--seccomp_oci", profile], "uname", "getppid", "fork");
        Assert.Equal(128 + 31, r.ExitCode);
        Assert.Equal("uname: errno 13\n", r.Stdout);
        Assert.Equal("getppid", r.Report!.Value.GetProperty("seccomp").GetProperty("syscall").GetString());
    }

    [Fact]
    public void ABadProfileIsAUsageErrorWithItsPosition()
    {
        string bad = Write("bad.json", "{\"defaultAction\": \"SCMP_ACT_ALLOW\",\n \"syscalls\": [{\"names\": [\"getppid\"], \"action\": \"SCMP_ACT_DENY\"}]}");
        var r = _nss.RunRaw(["--state_dir", _nss.StateDir, "--seccomp_oci", bad, "--", "/bin/true"]);
        Assert.Equal(125, r.ExitCode);
        Assert.StartsWith($"nssandbox: {bad}:2:48: syscalls[0]: unknown action \"SCMP_ACT_DENY\"", r.Stderr);
        string notify = Write("notify.json", """
            {"defaultAction": "SCMP_ACT_ALLOW", "listenerPath": "/run/agent.sock", "syscalls": [{"names": ["mount"], "action": "SCMP_ACT_NOTIFY"}]}
            """);
        r = _nss.RunRaw(["--state_dir", _nss.StateDir, "--seccomp_oci", notify, "--", "/bin/true"]);
        Assert.Equal((125, $"nssandbox: --seccomp_oci: {notify}: SCMP_ACT_NOTIFY needs a seccomp agent at listenerPath (/run/agent.sock) " +
            "to answer the calls; nssandbox runs none\n"), (r.ExitCode, r.Stderr));
        r = _nss.RunRaw(["--state_dir", _nss.StateDir, "--seccomp_oci", notify, "--seccomp_string", "DEFAULT ALLOW", "--", "/bin/true"]);
        Assert.Equal(125, r.ExitCode);
        Assert.Contains("--seccomp_oci: cannot be combined with --seccomp_policy or --seccomp_string", r.Stderr);
    }
}
