using System.Diagnostics;

namespace NsSandbox.EndToEnd.Tests;

/// <summary>Boots a real cgroup v2 kernel once (tests/vm/run.sh) and runs tests/vm/cases/cgroup-v2.sh there
/// with the published binary: the host's hybrid layout has no v2 memory or pids controller.</summary>
public sealed class CgroupV2Vm
{
    public Dictionary<string, (string Status, string Detail)> Cases { get; } = [];
    public string Log { get; }
    public int ExitCode { get; }

    public CgroupV2Vm()
    {
        string root = Launcher.RepositoryRoot;
        var psi = new ProcessStartInfo(Path.Combine(root, "tests", "vm", "run.sh"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string a in new[] { "--binary", Launcher.BinaryPath, "--script", Path.Combine(root, "tests", "vm", "cases", "cgroup-v2.sh"), "--timeout", "600" })
            psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync();
        var output = p.StandardOutput.ReadToEndAsync();
        // run.sh stops qemu after its --timeout; this bound covers its own setup too.
        bool ended = p.WaitForExit(TimeSpan.FromMinutes(15));
        if (!ended) p.Kill(entireProcessTree: true);
        string stdout = output.Wait(TimeSpan.FromSeconds(30)) ? output.Result : "";
        ExitCode = ended ? p.ExitCode : -1;
        Log = stdout + (stderr.Wait(TimeSpan.FromSeconds(30)) ? stderr.Result : "") + (ended ? "" : "\nrun.sh did not end within 15 minutes");
        foreach (string line in stdout.Split('\n'))
        {
            string[] f = line.Split(' ', 4);
            if (f.Length >= 3 && f[0] == "VMCASE") Cases[f[1]] = (f[2], f.Length > 3 ? f[3] : "");
        }
    }
}

[Collection<LoadSensitive>]
public sealed class CgroupV2VmTests(CgroupV2Vm vm) : IClassFixture<CgroupV2Vm>
{
    public static TheoryData<string> Expected =>
    [
        "mem-oom", "mem-oom-leaf-gone", "mem-peak", "pids-fork-bomb", "pids-leaf-gone", "cpu-throttled", "cpu-leaf-gone",
        "delegate-moves-and-enables", "delegate-second-run-quiet", "delegate-leaf-gone", "parent-flag", "parent-leaf-gone",
        "stale-cleanup", "oci-pause", "oci-resume", "oci-update", "oci-update-cpuset", "oci-events", "oci-kill-paused", "oci-devices", "oci-leaf-gone",
    ];

    [Theory]
    [MemberData(nameof(Expected))]
    public void CaseHoldsOnARealCgroupV2Kernel(string name)
    {
        Require.Root();
        // 3: the host cannot provide qemu or the kernel (no apt); the harness says which.
        if (vm.ExitCode == 3) Assert.Skip("the VM harness could not set up (tests/vm/run.sh exit 3): " + LastLines(vm.Log));
        Assert.True(vm.Cases.TryGetValue(name, out var result), $"case {name} did not report (run.sh exit {vm.ExitCode}): {LastLines(vm.Log)}");
        if (result.Status == "SKIP") Assert.Skip($"{name}: {result.Detail}");
        Assert.True(result.Status == "PASS", $"{name}: {result.Status} {result.Detail}");
    }

    private static string LastLines(string log) => string.Join(" | ", log.Split('\n').TakeLast(8));
}
