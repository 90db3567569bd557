using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;

namespace NsSandbox.EndToEnd.Tests.Listen;

/// <summary>A listener that cannot bind is a usage error (one line, exit 125, nothing created) that names the
/// setting at fault, by the kernel's errno: a port in use is --port's (or the file's port key), an address the
/// machine does not have is --bindhost's. Run in the test's own network namespace, where the port is taken by a
/// socket of the test's.</summary>
public sealed class ListenStartErrorTests : IDisposable
{
    private PrivateNetwork? _network;
    private Launcher _nss = new();
    private Socket? _taken;

    /// <summary>The namespace, a launcher that runs in it, and the port taken there (skips without ip or nsenter).</summary>
    private int TakePort()
    {
        PrivateNetwork.Require();
        _network = new PrivateNetwork();
        _nss.Dispose();
        _nss = new Launcher { Wrapper = _network.Wrapper };
        // Both families, as the listener's default bindhost: any bind of that port in the namespace is refused.
        _taken = Linux.NetNs.In(_network.Name, () => new Socket(AddressFamily.InterNetworkV6, SocketType.Stream, ProtocolType.Tcp));
        _taken.DualMode = true;
        _taken.Bind(new IPEndPoint(IPAddress.IPv6Any, 0));
        _taken.Listen();
        return ((IPEndPoint)_taken.LocalEndPoint!).Port;
    }

    public void Dispose()
    {
        _taken?.Dispose();
        _nss.Dispose();
        _network?.Dispose();
    }

    public static TheoryData<string[], string> Cases() => new()
    {
        { ["--port", "PORT"], @"^nssandbox: --port: bind \[::\]:PORT: Address already in use$" },
        { ["--port", "PORT", "--bindhost", "127.0.0.1"], @"^nssandbox: --port: bind 127\.0\.0\.1:PORT: Address already in use$" },
        // 192.0.2.0/24 is for documentation: no machine has it, least of all a namespace with only lo.
        { ["--port", "PORT", "--bindhost", "192.0.2.1"], @"^nssandbox: --bindhost: bind 192\.0\.2\.1:PORT: Cannot assign requested address$" },
        { ["--bindhost", "2001:db8::1"], @"^nssandbox: --bindhost: bind \[2001:db8::1\]:0: Cannot assign requested address$" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void ABindErrorNamesTheFlagAtFault(string[] flags, string pattern)
    {
        string port = TakePort().ToString();
        var r = _nss.RunRaw(["-Ml", "--state_dir", _nss.StateDir, "-t", "5", .. flags.Select(f => f.Replace("PORT", port)), "--", "/bin/cat"]);
        AssertRefused(r, pattern.Replace("PORT", port));
    }

    [Fact]
    public void ABindErrorNamesTheConfigsKeyAndLine()
    {
        int taken = TakePort();
        string toml = Path.Combine(_nss.TempDir, "listen.toml");
        File.WriteAllText(toml, $"[exec]\nmode = \"listen\"\npath = \"/bin/cat\"\n[listen]\nport = {taken}\n");
        AssertRefused(_nss.RunRaw(["--config", toml, "--state_dir", _nss.StateDir]),
            $@"^nssandbox: {Regex.Escape(toml)}:5:8: listen\.port: bind \[::\]:{taken}: Address already in use$");

        string cfg = Path.Combine(_nss.TempDir, "jail.cfg");
        File.WriteAllText(cfg, $"mode: LISTEN\nport: {taken + 1}\nbindhost: \"192.0.2.1\"\nexec_bin {{ path: \"/bin/cat\" }}\n");
        AssertRefused(_nss.RunRaw(["--config", cfg, "--state_dir", _nss.StateDir]),
            $@"^nssandbox: {Regex.Escape(cfg)}:3:1: bindhost: bind 192\.0\.2\.1:{taken + 1}: Cannot assign requested address$");
    }

    private void AssertRefused(LaunchResult r, string pattern)
    {
        Assert.Equal(125, r.ExitCode);
        Assert.Matches(pattern, Assert.Single(r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries)));
        Assert.Equal("", r.Stdout);
        Assert.False(Directory.Exists(Path.Combine(_nss.StateDir, "runs")), "a usage error must create nothing");
    }
}
