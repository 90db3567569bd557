namespace NsSandbox.Client.Tests;

/// <summary>TOML profiles through the real launcher: applied, overridden by options, checked ahead of use.</summary>
public sealed class ProfileTests : IDisposable
{
    private readonly TestSandbox _t = new();

    public void Dispose() => _t.Dispose();

    private SandboxProfile Write(string name, string toml)
    {
        string path = Path.Combine(_t.Directory, name + ".toml");
        File.WriteAllText(path, toml);
        return SandboxProfile.Named(_t.Directory, name);
    }

    [Fact]
    public async Task TheProfileAppliesAndOptionsOverrideIt()
    {
        var profile = Write("box", "[exec]\nhostname = \"from-profile\"\n[limits]\ntime-limit = \"5s\"\n");
        var r = await _t.Client.RunAsync(["/bin/hostname"], _t.Options with { Profile = profile, TimeLimit = null }, Ct);
        Assert.Equal(("from-profile\n", (double?)5), (r.StandardOutput.Text, r.Report!.Limits.TimeLimitSeconds));
        var overridden = await _t.Client.RunAsync(["/bin/hostname"], _t.Options with { Profile = profile, Hostname = "from-options" }, Ct);
        Assert.Equal("from-options\n", overridden.StandardOutput.Text);
    }

    [Fact]
    public async Task TheRepositorysPythonProfileRuns()
    {
        Machine.RequireFile("/usr/bin/python3");
        Machine.RequireCgroup("memory"); // the profile limits the run's memory
        var profile = SandboxProfile.Named(Path.Combine(Machine.RepositoryRoot, "configs"), "python");
        Assert.Null(await _t.Client.CheckProfileAsync(profile, Ct));
        // The profile's egress network needs helpers this test does not ask for: no network here.
        var options = _t.Options with { Profile = profile, Network = new NetworkOptions { Mode = NetMode.None } };
        var r = await _t.Client.RunAsync(["python3", "-c", "print(6 * 7)"], options, Ct);
        Assert.Equal("42\n", r.StandardOutput.Text);
    }

    [Fact]
    public async Task ABadProfileIsNamedAtItsLineAndColumn()
    {
        var profile = Write("bad", "[limits]\ntime-limit = true\n");
        string? message = await _t.Client.CheckProfileAsync(profile, Ct);
        Assert.NotNull(message);
        Assert.Contains("bad.toml:2:14", message);
        var r = await _t.Client.RunAsync(["/bin/true"], _t.Options with { Profile = profile }, Ct);
        Assert.Equal(SandboxOutcome.UsageError, r.Outcome);
        Assert.Contains("bad.toml:2:14", r.Message);
    }
}
