namespace NsSandbox.EndToEnd.Tests;

/// <summary>The skeleton root is mounted over the run directory (state/runs/ID) in the sandbox's mount
/// namespace: the sandbox sees the fresh skeleton, never the run directory's own files, and the host sees
/// the run directory unchanged while the run lives.</summary>
public sealed class RunDirectoryTests : IDisposable
{
    private readonly Launcher _nss = new();

    public void Dispose() => _nss.Dispose();

    [Fact]
    public void TheSandboxRootHidesTheRunDirectoryItIsMountedOver()
    {
        Require.Root();
        var r = _nss.Sh("ls -A /; echo x > /data/f && echo wrote");
        Assert.Equal(0, r.ExitCode);
        var names = r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.DoesNotContain(".lock", names);
        Assert.DoesNotContain("cgroups", names);
        Assert.Contains("data", names);
        Assert.Equal("wrote", names[^1]);
    }

    [Fact]
    public async Task WhileTheRunLivesItsDirectoryHoldsOnlyTheLockAndData()
    {
        Require.Root();
        string runs = Path.Combine(_nss.StateDir, "runs");
        // The target waits until the test has listed the host's run directory (the flag file appears in /data).
        var launch = Task.Run(() => _nss.Sh("echo x > /data/started; while [ ! -e /data/listed ]; do sleep 0.05; done"));
        string? data = null;
        for (int i = 0; i < 400 && data is null; i++)
        {
            data = Directory.Exists(runs) ? Directory.GetDirectories(runs).Select(d => Path.Combine(d, "data"))
                .FirstOrDefault(d => File.Exists(Path.Combine(d, "started"))) : null;
            if (data is null) await Task.Delay(50, TestContext.Current.CancellationToken);
        }
        Assert.NotNull(data);
        var entries = Directory.GetFileSystemEntries(Path.GetDirectoryName(data)!).Select(Path.GetFileName).Order().ToList();
        File.WriteAllText(Path.Combine(data, "listed"), "");
        var result = await launch.WaitAsync(TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken);
        Assert.Equal(0, result.ExitCode);
        Assert.Equal([".lock", "data"], entries);
    }

    [Fact]
    public void ARootWithoutDacOverrideRemovesDirectoriesTheSandboxMadeInaccessible()
    {
        Require.Root();
        Require.FileExists("/usr/bin/setpriv");
        // Without CAP_DAC_OVERRIDE the launcher takes each directory over (CAP_CHOWN), and a mode 000 one it
        // cannot even open is given u+rwx first. Dispose fails the test if the per-run directory is left.
        var r = _nss.RunRaw(["--state_dir", _nss.StateDir, "--", "/bin/sh", "-c",
                "mkdir -p d/e/f && echo x > d/e/f/g && ln -s /etc d/link && chmod 000 d/e/f d/e && chmod 500 d && echo done"],
            bashPrefix: "exec setpriv --bounding-set -dac_override,-dac_read_search -- \"$0\" \"$@\";");
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Equal("done", r.Stdout.Trim());
        Assert.DoesNotContain("could not remove", r.Stderr);
        Assert.True(File.Exists("/etc/hostname"));
    }
}
