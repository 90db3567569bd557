namespace NsSandbox.Client.Tests;

/// <summary>One test's client against the real launcher, with everything it touches in the test's own temp
/// directory: the launcher's state directory (per-run directories, kept /data) and any files. Every process of
/// its runs carries <see cref="Marker"/> in its environment, so leak checks find this test's processes only.
/// Dispose checks that no run directory or mount is left, then removes the directory. Constructing one skips
/// the test, saying why, where the launcher cannot run.</summary>
public sealed class TestSandbox : IDisposable
{
    public TestSandbox(NsSandboxClientOptions? options = null)
    {
        Machine.RequireLauncher();
        Directory = System.IO.Directory.CreateTempSubdirectory("nss-client-test-").FullName;
        // 0755: the sandbox's nobody must pass through to reach bind sources kept here.
        File.SetUnixFileMode(Directory, (UnixFileMode)0x1ED);
        MarkerValue = Guid.NewGuid().ToString("N");
        Options = new SandboxOptions
        {
            StateDirectory = StateDirectory,
            TimeLimit = TimeSpan.FromSeconds(60),
            Environment = new Dictionary<string, string?> { [MarkerName] = MarkerValue },
        };
        Client = new NsSandboxClient((options ?? new NsSandboxClientOptions()) with { BinaryPath = Machine.BinaryPath, DefaultOptions = Options });
    }

    public const string MarkerName = "NSS_CLIENT_TEST";

    public string Directory { get; }

    public string StateDirectory => Path.Combine(Directory, "state");

    public string MarkerValue { get; }

    public string Marker => $"{MarkerName}={MarkerValue}";

    /// <summary>The options every run of this test starts from: its state directory, a 60 s bound, the marker.</summary>
    public SandboxOptions Options { get; }

    public NsSandboxClient Client { get; }

    /// <summary>The per-run directories the launcher still has in this test's state directory.</summary>
    public string[] RunDirectories()
    {
        string runs = Path.Combine(StateDirectory, "runs");
        return System.IO.Directory.Exists(runs) ? System.IO.Directory.GetFileSystemEntries(runs) : [];
    }

    /// <summary>Mounts on the host that name this test's directory.</summary>
    public List<string> Mounts() =>
        File.ReadAllLines("/proc/self/mountinfo").Where(l => l.Contains(Directory, StringComparison.Ordinal)).ToList();

    public Task<SandboxResult> Sh(string script, SandboxOptions? options = null, CancellationToken cancellationToken = default) =>
        Client.RunAsync(["/bin/sh", "-c", script], options ?? Options, cancellationToken);

    public void Dispose()
    {
        Client.Dispose();
        var mounts = Mounts();
        // Never delete through a leaked mount: it could reach the host's files.
        if (mounts.Count > 0) throw new InvalidOperationException("mounts left on the host: " + string.Join("; ", mounts));
        var runs = RunDirectories();
        System.IO.Directory.Delete(Directory, recursive: true);
        if (runs.Length > 0) throw new InvalidOperationException("run directories left behind: " + string.Join(", ", runs));
    }
}
