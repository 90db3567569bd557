namespace NsSandbox.EndToEnd.Tests;

/// <summary>Who the target is, and which namespaces it lives in, seen from inside and outside.</summary>
public sealed class IdentityTests : IDisposable
{
    private readonly Launcher _nss = new();

    public void Dispose() => _nss.Dispose();

    [Fact]
    public void EchoRunsInOnceModeLikeNsjail()
    {
        Require.Root();
        var r = _nss.RunRaw(["--state_dir", _nss.StateDir, "-Mo", "--chroot", "/", "--", "/bin/echo", "ABC"]);
        Assert.Equal("ABC\n", r.Stdout);
        Assert.Equal(0, r.ExitCode);
    }

    [Fact]
    public void TargetRunsAsNobodyInside()
    {
        Require.Root();
        var r = _nss.Sh("id -u; id -g; id -G; cat /proc/self/uid_map /proc/self/gid_map");
        string[] lines = r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["65534", "65534", "65534"], lines[..3]);
        // Mapped to nobody outside, one id each: no other id (root above all) exists in the namespace.
        Assert.Equal(["65534", "65534", "1"], lines[3].Split(' ', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(["65534", "65534", "1"], lines[4].Split(' ', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public void FilesTheTargetCreatesAreOwnedByNobodyOutside()
    {
        Require.Root();
        string data = SuiteDirectory.NewDirectory("data-");
        try
        {
            Linux.FileOwnershipForTests.Chown(data, 65534, 65534);
            var r = _nss.Run(["--data", data], "/bin/sh", "-c", "echo hi > /data/made-inside");
            Assert.Equal(0, r.ExitCode);
            var (uid, gid) = Linux.FileOwnershipForTests.OwnerOf(Path.Combine(data, "made-inside"));
            Assert.Equal((65534u, 65534u), (uid, gid));
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }

    [Fact]
    public void UserAndGroupFlagsChangeTheIds()
    {
        Require.Root();
        var r = _nss.Run(["--user", "1000", "--group", "1001"], "/bin/sh", "-c", "id -u; id -g");
        Assert.Equal("1000\n1001\n", r.Stdout);
        var named = _nss.Run(["--user", "nobody", "--group", "nogroup"], "/usr/bin/id", "-un");
        Assert.Equal("nobody\n", named.Stdout);
    }

    [Fact]
    public void TargetIsPidOneOfItsOwnPidNamespace()
    {
        Require.Root();
        var r = _nss.Sh("echo $$; ls /proc | grep -E '^[0-9]+$' | wc -l");
        string[] lines = r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("1", lines[0]);
        // The shell and ls (and grep, wc): nothing of the host's processes is visible.
        Assert.True(int.Parse(lines[1]) <= 4, r.Stdout);
    }

    [Fact]
    public void HostnameIsNssandboxUnlessSet()
    {
        Require.Root();
        Assert.Equal("nssandbox\n", _nss.Run([], "/bin/hostname").Stdout);
        Assert.Equal("judge-7\n", _nss.Run(["--hostname", "judge-7"], "/bin/hostname").Stdout);
    }

    [Fact]
    public void NetworkNamespaceHasOnlyLoopbackAndItIsUp()
    {
        Require.Root();
        var r = _nss.Sh("tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' '; ls /sys/class/net; cat /sys/class/net/lo/flags");
        Assert.Equal("lo\nlo\n0x9\n", r.Stdout); // 0x9: IFF_UP | IFF_LOOPBACK
    }

    [Fact]
    public void DisablingTheNetNamespaceSharesTheHostsInterfaces()
    {
        Require.Root();
        // The same namespace as the launcher's; and so the same interfaces, unless something else on the machine
        // added or removed one during the run (then the lists before and after differ and are not compared).
        static List<string> Host() => File.ReadAllLines("/proc/net/dev").Skip(2).Select(l => l.Split(':')[0].Trim()).Order(StringComparer.Ordinal).ToList();
        var before = Host();
        var r = _nss.Sh("readlink /proc/self/ns/net; tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' ' | LC_ALL=C sort", "-N");
        var after = Host();
        var lines = r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).ToList();
        Assert.Equal(new FileInfo("/proc/self/ns/net").LinkTarget, lines[0]);
        if (before.SequenceEqual(after)) Assert.Equal(before, lines.Skip(1).ToList());
    }

    [Fact]
    public void EachNamespaceIsNewUnlessDisabled()
    {
        Require.Root();
        string[] kinds = ["user", "mnt", "pid", "uts", "ipc", "net", "cgroup"];
        var outside = kinds.ToDictionary(k => k, k => new FileInfo($"/proc/self/ns/{k}").LinkTarget!);
        var r = _nss.Sh(string.Join("; ", kinds.Select(k => $"readlink /proc/self/ns/{k}")));
        var inside = r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(kinds.Length, inside.Length);
        for (int i = 0; i < kinds.Length; i++) Assert.NotEqual(outside[kinds[i]], inside[i]);

        var shared = _nss.Sh("readlink /proc/self/ns/ipc; readlink /proc/self/ns/uts", "--disable_clone_newipc", "--disable_clone_newuts");
        Assert.Equal($"{outside["ipc"]}\n{outside["uts"]}\n", shared.Stdout);
    }
}
