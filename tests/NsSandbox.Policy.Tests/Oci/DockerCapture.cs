using System.Diagnostics;

namespace NsSandbox.Policy.Tests.Oci;

/// <summary>The config.json a real dockerd hands its runtime, captured once by tools/capture-docker-seccomp.sh (its
/// own dockerd and containerd in a temporary directory, stopped after): for a plain <c>docker run</c>, so with
/// Docker's default profile as dockerd sends it, and for <c>--security-opt seccomp=</c> <see cref="DockerFormat"/>.
/// Unavailable, with the script's reason, where dockerd cannot run (not root, not installed).</summary>
public sealed class DockerCapture : IDisposable
{
    /// <summary>A profile in Docker's format that uses each of its conditions, for dockerd to resolve.</summary>
    public const string DockerFormat = """
        {
          "defaultAction": "SCMP_ACT_ERRNO",
          "defaultErrnoRet": 1,
          "archMap": [
            {"architecture": "SCMP_ARCH_X86_64", "subArchitectures": ["SCMP_ARCH_X86", "SCMP_ARCH_X32"]},
            {"architecture": "SCMP_ARCH_AARCH64", "subArchitectures": ["SCMP_ARCH_ARM"]}
          ],
          "syscalls": [
            {"names": ["read", "write", "exit_group", "rseq"], "action": "SCMP_ACT_ALLOW", "args": [], "comment": "", "includes": {}, "excludes": {}},
            {"name": "getpid", "action": "SCMP_ACT_ALLOW"},
            {"names": ["mount"], "action": "SCMP_ACT_ALLOW", "includes": {"caps": ["CAP_SYS_ADMIN"]}},
            {"names": ["chown"], "action": "SCMP_ACT_ALLOW", "includes": {"caps": ["CAP_CHOWN", "CAP_KILL"]}},
            {"names": ["unshare"], "action": "SCMP_ACT_ERRNO", "errnoRet": 22, "excludes": {"caps": ["CAP_SYS_ADMIN"]}},
            {"names": ["kill"], "action": "SCMP_ACT_LOG", "excludes": {"caps": ["CAP_KILL"]}},
            {"names": ["arch_prctl"], "action": "SCMP_ACT_ALLOW", "includes": {"arches": ["amd64", "x32"]}},
            {"names": ["fchmod"], "action": "SCMP_ACT_ALLOW", "includes": {"arches": ["arm64"]}},
            {"names": ["fchown"], "action": "SCMP_ACT_ALLOW", "excludes": {"arches": ["amd64"]}},
            {"names": ["ptrace"], "action": "SCMP_ACT_ALLOW", "includes": {"minKernel": "4.8"}},
            {"names": ["bpf"], "action": "SCMP_ACT_ALLOW", "includes": {"minKernel": "99.0"}},
            {"names": ["keyctl"], "action": "SCMP_ACT_ALLOW", "excludes": {"minKernel": "99.1"}},
            {"names": ["add_key"], "action": "SCMP_ACT_ALLOW", "excludes": {"minKernel": "3.0"}},
            {"names": ["personality"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 131080, "valueTwo": 0, "op": "SCMP_CMP_EQ"}]},
            {"names": ["clone"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 2114060288, "valueTwo": 0, "op": "SCMP_CMP_MASKED_EQ"}],
             "excludes": {"caps": ["CAP_SYS_ADMIN"], "arches": ["s390", "s390x"]}}
          ]
        }
        """;

    private readonly string _dir = Directory.CreateTempSubdirectory("nss-docker-capture-test-").FullName;

    public DockerCapture()
    {
        string profile = Path.Combine(_dir, "docker-format.json");
        File.WriteAllText(profile, DockerFormat);
        string output = Path.Combine(_dir, "out");
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { Path.Combine(Repository.Root, "tools", "capture-docker-seccomp.sh"), output, profile }) start.ArgumentList.Add(a);
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(300_000))
        {
            // The script stops its daemons on SIGTERM (its EXIT trap); give it the time that takes.
            Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!.WaitForExit();
            if (!process.WaitForExit(90_000)) process.Kill(entireProcessTree: true);
            Failure = "tools/capture-docker-seccomp.sh did not finish within 300 s";
            return;
        }
        Log = $"capture took {clock.Elapsed.TotalSeconds:0.0} s: {stdout.Result}{stderr.Result}";
        switch (process.ExitCode)
        {
            case 0:
                DefaultConfig = Path.Combine(output, "default.json");
                DockerFormatConfig = Path.Combine(output, "docker-format.json");
                break;
            case 77:
                SkipReason = "dockerd cannot run here: " + stderr.Result.Trim();
                break;
            default:
                Failure = $"tools/capture-docker-seccomp.sh failed (exit {process.ExitCode}): {stderr.Result}";
                break;
        }
    }

    /// <summary>config.json of <c>docker run</c>: Docker's default profile as dockerd sends it.</summary>
    public string? DefaultConfig { get; }

    /// <summary>config.json of <c>docker run --security-opt seccomp=</c><see cref="DockerFormat"/>.</summary>
    public string? DockerFormatConfig { get; }

    public string? SkipReason { get; }

    public string? Failure { get; }

    public string Log { get; } = "";

    /// <summary>Skips without dockerd, fails when the capture itself failed.</summary>
    public void Require()
    {
        if (SkipReason is { } reason)
        {
            Console.Error.WriteLine($"skipped: {reason}");
            Assert.Skip(reason);
        }
        if (Failure is { } failure) Assert.Fail(failure);
    }


    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
