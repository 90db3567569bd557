namespace NsSandbox.EndToEnd.Tests;

/// <summary>The target's environment: clean by default, --env to set or pass, --keep_env to keep.</summary>
public sealed class EnvironmentTests : IDisposable
{
    private readonly Launcher _nss = new();

    public void Dispose() => _nss.Dispose();

    private static string[] Lines(string s) => s.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    [Fact]
    public void EnvironmentIsOnlyPathAndHome()
    {
        Require.Root();
        var r = _nss.Run([], "/usr/bin/env");
        Assert.Equal(["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOME=/data"], Lines(r.Stdout));
    }

    [Fact]
    public void EnvSetsAndPassesVariables()
    {
        Require.Root();
        var r = _nss.RunRaw(["--state_dir", _nss.StateDir, "--env", "A=1", "--env", "PASSED", "--env", "NOT_SET_ON_HOST", "--", "/usr/bin/env"],
            bashPrefix: "export PASSED=from-host; unset NOT_SET_ON_HOST;");
        var lines = Lines(r.Stdout);
        Assert.Contains("A=1", lines);
        Assert.Contains("PASSED=from-host", lines);
        Assert.DoesNotContain(lines, l => l.StartsWith("NOT_SET_ON_HOST", StringComparison.Ordinal));
        Assert.Equal(4, lines.Length);
    }

    [Fact]
    public void KeepEnvKeepsTheLaunchersEnvironment()
    {
        Require.Root();
        var r = _nss.RunRaw(["--state_dir", _nss.StateDir, "-e", "--", "/usr/bin/env"], bashPrefix: "export MARKER=kept;");
        Assert.Contains("MARKER=kept", Lines(r.Stdout));
    }

    [Fact]
    public void CommandsAreFoundOnThePath()
    {
        Require.Root();
        var r = _nss.Run([], "echo", "found");
        Assert.Equal("found\n", r.Stdout);
    }
}
