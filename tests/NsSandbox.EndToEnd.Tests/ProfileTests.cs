namespace NsSandbox.EndToEnd.Tests;

/// <summary>The bundled profiles (configs/*.toml) run real sandboxes as they say, flags override them, and a
/// malformed file stops the launcher before anything runs.</summary>
public sealed class ProfileTests : IDisposable
{
    private readonly Launcher _nss = new();

    public void Dispose() => _nss.Dispose();

    public static TheoryData<string> Profiles() =>
        [.. Directory.GetFiles(Path.Combine(Launcher.RepositoryRoot, "configs"), "*.toml").Select(f => Path.GetFileName(f)!).Order()];

    [Theory]
    [MemberData(nameof(Profiles))]
    public void EveryProfileRunsAsNobodyInAPrivateData(string profile)
    {
        Require.Root();
        if (profile == "python.toml") Require.Cgroup("memory");
        var r = _nss.Sh("id -u; id -g; pwd; echo $HOME; hostname; touch /data/f && echo data-writable; touch /etc/x 2>/dev/null || echo root-read-only",
            "--config", Profile(profile));
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Equal(["65534", "65534", "/data", "/data", "nssandbox", "data-writable", "root-read-only"], Lines(r.Stdout));
    }

    [Fact]
    public void ThePythonProfileRunsTheHelloExampleWithItsLimitsInForce()
    {
        Require.Cgroup("memory");
        Require.FileExists("/usr/bin/python3");
        var r = _nss.Run(["--config", Profile("python.toml"), "-R", Examples + ":/examples"], "python3", "/examples/hello.py");
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Equal("hello from uid 65534 gid 65534 in /data, HOME=/data, host nssandbox", r.Stdout.Trim());
        var limits = r.Report!.Value.GetProperty("limits");
        Assert.Equal(1UL << 30, limits.GetProperty("cgroup_mem_max_bytes").GetUInt64());
    }

    [Fact]
    public void ThePythonProfilePassesOnlyItsNamedHostVariables()
    {
        Require.Cgroup("memory");
        var r = _nss.RunRaw(["--state_dir", _nss.StateDir, "--config", Profile("python.toml"), "--", "/usr/bin/env"],
            bashPrefix: "export HF_TOKEN=tok HF_HOME=/hf NOT_PASSED=secret; unset WANDB_API_KEY HF_DATASETS_CACHE;");
        Assert.True(r.ExitCode == 0, r.Stderr);
        var env = Lines(r.Stdout).Order().ToArray();
        Assert.Contains("HF_TOKEN=tok", env);
        Assert.Contains("HF_HOME=/hf", env);
        Assert.Contains("HOME=/data", env);
        Assert.DoesNotContain(env, e => e.StartsWith("NOT_PASSED=", StringComparison.Ordinal) || e.StartsWith("WANDB_API_KEY=", StringComparison.Ordinal));
    }

    [Fact]
    public void AFlagOverridesTheProfilesMemoryLimitAndTheMemoryHogIsKilled()
    {
        Require.Cgroup("memory");
        Require.FileExists("/usr/bin/python3");
        var r = _nss.Run(["--config", Profile("python.toml"), "-R", Examples + ":/examples", "--cgroup_mem_max", "256M"],
            "python3", "/examples/memory_hog.py");
        Assert.Equal(137, r.ExitCode);
        var report = r.Report!.Value;
        Assert.Equal("oom", report.GetProperty("reason").GetString());
        Assert.Equal(256UL << 20, report.GetProperty("limits").GetProperty("cgroup_mem_max_bytes").GetUInt64());
        Assert.Contains("holding 64 MiB", r.Stdout);
        Assert.DoesNotContain("holding 256 MiB", r.Stdout);
    }

    [Fact]
    public void ALinkedProfileFindsItsPolicyBesideTheRealFile()
    {
        Require.Cgroup("memory");
        // The playground links /sandbox.toml to /etc/nssandbox/python.toml, which names policies/default.policy.
        string link = Path.Combine(_nss.TempDir, "sandbox.toml");
        File.CreateSymbolicLink(link, Profile("python.toml"));
        var r = _nss.Run(["--config", link], "/bin/echo", "ok");
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.EndsWith("configs/policies/default.policy", r.Report!.Value.GetProperty("sandbox").GetProperty("seccomp_policy").GetString());
    }

    [Fact]
    public void AMalformedFileIsOneLocatedErrorAndNothingRuns()
    {
        Require.Root();
        string file = Path.Combine(_nss.TempDir, "bad.toml");
        File.WriteAllText(file, "[limits]\ntime-limit = \"30s\"\nrlimit-fsize = \"8Q\"\n");
        string marker = Path.Combine(_nss.TempDir, "ran");
        var r = _nss.Run(["--config", file], "/bin/touch", marker);
        Assert.Equal(125, r.ExitCode);
        Assert.Equal($"nssandbox: {file}:3:16: limits.rlimit-fsize: '8Q' is not a limit: a number of MiB, a size (512M, 8G), or inf, soft, hard", r.Stderr.Trim());
        Assert.False(File.Exists(marker));
        Assert.Null(r.Report);
    }

    [Fact]
    public void ConfigCheckAcceptsEveryProfile()
    {
        Require.Root();
        foreach (string profile in Profiles().Select(row => (string)row.Data))
        {
            var r = _nss.RunRaw(["config", "check", Profile(profile)]);
            Assert.True(r.ExitCode == 0, profile + ": " + r.Stderr);
            Assert.Equal($"{Profile(profile)}: ok", (r.Stdout + r.Stderr).Trim());
        }
    }

    private static string Examples => Path.Combine(Launcher.RepositoryRoot, "examples");

    private static string Profile(string name) => Path.Combine(Launcher.RepositoryRoot, "configs", name);

    private static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
}
