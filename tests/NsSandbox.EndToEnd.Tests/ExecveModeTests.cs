namespace NsSandbox.EndToEnd.Tests;

/// <summary>Mode execve (-Me): the launcher process itself becomes the sandbox; nothing supervises it.</summary>
public sealed class ExecveModeTests : IDisposable
{
    private readonly Launcher _nss = new();

    public void Dispose() => _nss.Dispose();

    [Fact]
    public void EchoRunsLikeNsjailsExample()
    {
        Require.Root();
        var r = _nss.RunRaw(["-Me", "--chroot", "/", "--disable_proc", "--", "/bin/echo", "ABC"]);
        Assert.Equal("ABC\n", r.Stdout);
        Assert.Equal("", r.Stderr);
        Assert.Equal(0, r.ExitCode);
    }

    [Fact]
    public void TheLaunchersOwnProcessBecomesTheTarget()
    {
        Require.Root();
        // bash prints its pid and execs the launcher; the target (sh) reports the same pid: no process in between.
        var r = _nss.RunRaw(["-Me", "--disable_proc", "--", "/bin/sh", "-c", "echo $$"], bashPrefix: "echo $$;");
        var pids = r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, pids.Length);
        Assert.Equal(pids[0], pids[1]);
    }

    [Fact]
    public void ItRunsAsNobodyOutsideWithoutPrivilegesAndALeftoverFree()
    {
        Require.Root();
        using var p = _nss.Start(["-Me", "--disable_proc", "--", "/bin/sh", "-c", "echo ready; read never"], redirectInput: true);
        try
        {
            Assert.Equal("ready", p.StandardOutput.ReadLineWithin(TimeSpan.FromSeconds(60)));
            var status = File.ReadAllLines($"/proc/{p.Id}/status").Select(l => l.Split(':', 2)).ToDictionary(x => x[0], x => x[1].Trim());
            Assert.Equal("sh", status["Name"]);
            Assert.StartsWith("65534\t65534\t65534\t65534", status["Uid"]); // seen from the host: nobody
            Assert.Equal("0000000000000000", status["CapEff"]);
            Assert.Equal("0000000000000000", status["CapBnd"]);
            Assert.Equal("1", status["NoNewPrivs"]);
            Assert.NotEqual(new FileInfo("/proc/self/ns/mnt").LinkTarget, new FileInfo($"/proc/{p.Id}/ns/mnt").LinkTarget);
        }
        finally
        {
            p.StandardInput.Close();
            if (!p.WaitForExit(TimeSpan.FromSeconds(30))) p.Kill();
        }
        Assert.False(Directory.Exists(Path.Combine(_nss.StateDir, "runs")), "mode execve creates no per-run directory");
    }

    [Fact]
    public void DataIsAPrivateTmpfsAndTheRootIsReadOnly()
    {
        Require.Root();
        var r = _nss.RunRaw(["-Me", "--disable_proc", "--", "/bin/sh", "-c", "stat -f -c %T /data; pwd; echo x > /data/f && cat /data/f; touch /x 2>&1"]);
        Assert.StartsWith("tmpfs\n/data\nx\n", r.Stdout);
        Assert.Contains("Read-only file system", r.Stdout);
    }

    [Theory]
    [InlineData("--time_limit=5", "mode execve has no supervisor to enforce a time limit")]
    [InlineData("--report=-", "mode execve has no supervisor to write a report")]
    public void SupervisorFeaturesAreRefused(string flag, string message)
    {
        Require.Root();
        var r = _nss.RunRaw(["-Me", "--disable_proc", flag, "--", "/bin/true"]);
        Assert.Equal(125, r.ExitCode);
        Assert.Contains(message, r.Stderr);
    }

    [Fact]
    public void SetupErrorsAreReportedOnStderr()
    {
        Require.Root();
        var r = _nss.RunRaw(["-Me", "--disable_proc", "-R", "/nonexistent:/x", "--", "/bin/true"]);
        Assert.Equal(126, r.ExitCode);
        Assert.Equal("nssandbox: bind mount /nonexistent: No such file or directory\n", r.Stderr);
        var missing = _nss.RunRaw(["-Me", "--disable_proc", "--", "/no/such/command"]);
        Assert.Equal(127, missing.ExitCode);
    }
}
