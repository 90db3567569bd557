using NsSandbox.EndToEnd.Tests.Linux;

namespace NsSandbox.EndToEnd.Tests;

/// <summary>nsjail's id maps in real sandboxes: a chosen outside id owns what the command writes through a bind,
/// several ranges reach the kernel as written, names resolve, the host's root is mapped only when asked (with a
/// warning), and mode execve writes the same maps.</summary>
public sealed class IdMappingTests : IDisposable
{
    private readonly Launcher _nss = new();

    public void Dispose() => _nss.Dispose();

    private static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    private static string[] Fields(string line) => line.Split(' ', StringSplitOptions.RemoveEmptyEntries);

    /// <summary>A directory only <paramref name="uid"/>:<paramref name="gid"/> may write to (0755).</summary>
    private static string OwnedDirectory(uint uid, uint gid)
    {
        string dir = SuiteDirectory.NewDirectory("out-");
        FileOwnershipForTests.Chown(dir, uid, gid);
        File.SetUnixFileMode(dir, (UnixFileMode)0x1ED);
        return dir;
    }

    [Fact]
    public void AWorkerWritesItsResultsThroughABindAsTheChosenOutsideIds()
    {
        Require.Root();
        string results = OwnedDirectory(4242, 4243);
        try
        {
            var r = _nss.Run(["--user", "1000:4242", "--group", "1000:4243", "-B", results + ":/out"],
                "/bin/sh", "-c", "id -u; id -g; echo done > /out/result; cat /proc/self/uid_map /proc/self/gid_map; touch /data/x && echo data-ok");
            Assert.Equal(0, r.ExitCode);
            var lines = Lines(r.Stdout);
            Assert.Equal(["1000", "1000"], lines[..2]);
            Assert.Equal(["1000", "4242", "1"], Fields(lines[2]));
            Assert.Equal(["1000", "4243", "1"], Fields(lines[3]));
            // On the host the file is the chosen user's, not nobody's nor root's.
            Assert.Equal((4242u, 4243u), FileOwnershipForTests.OwnerOf(Path.Combine(results, "result")));
            Assert.Equal("done\n", File.ReadAllText(Path.Combine(results, "result")));
            Assert.Equal("data-ok", lines[4]); // the fresh /data was made for that user too
            Assert.Equal("", r.Stderr);
        }
        finally
        {
            Directory.Delete(results, recursive: true);
        }
    }

    [Fact]
    public void WithTheDefaultMappingTheSameBindIsNotWritable()
    {
        Require.Root();
        string results = OwnedDirectory(4242, 4243);
        try
        {
            var r = _nss.Sh("echo x > /out/result && echo wrote || echo refused", "--user", "1000", "-B", results + ":/out");
            Assert.Equal("refused\n", r.Stdout);
            Assert.False(File.Exists(Path.Combine(results, "result")));
        }
        finally
        {
            Directory.Delete(results, recursive: true);
        }
    }

    [Fact]
    public void SeveralRangesAreTheChildsMapsAndTheReportSaysSo()
    {
        Require.Root();
        string data = SuiteDirectory.NewDirectory("data-");
        try
        {
            FileOwnershipForTests.Chown(data, 100007, 100005);
            var r = _nss.Run(["-U", "0:100000:1000", "--uid_mapping", "5000:200000:10", "-G", "0:100000:1000", "--user", "7", "--group", "5", "--data", data],
                "/bin/sh", "-c", "id -u; id -g; cat /proc/self/uid_map /proc/self/gid_map; touch /data/made; echo x > /data/made && echo ok");
            Assert.Equal(0, r.ExitCode);
            var lines = Lines(r.Stdout);
            Assert.Equal(["7", "5"], lines[..2]);
            Assert.Equal(["0", "100000", "1000"], Fields(lines[2]));
            Assert.Equal(["5000", "200000", "10"], Fields(lines[3]));
            Assert.Equal(["0", "100000", "1000"], Fields(lines[4]));
            Assert.Equal("ok", lines[5]);
            Assert.Equal((100007u, 100005u), FileOwnershipForTests.OwnerOf(Path.Combine(data, "made")));
            var map = r.Report!.Value.GetProperty("sandbox").GetProperty("uid_map");
            Assert.Equal(2, map.GetArrayLength());
            Assert.Equal((5000u, 200000u, 10u), (map[1].GetProperty("inside").GetUInt32(), map[1].GetProperty("outside").GetUInt32(), map[1].GetProperty("count").GetUInt32()));
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }

    [Fact]
    public void NamesResolveAndTheFirstRangeNamesTheUser()
    {
        Require.Root();
        // daemon is uid 1 and group 1 on Debian's base system; root outside stays unmapped.
        Require.FileExists("/etc/passwd");
        if (!File.ReadAllLines("/etc/passwd").Any(l => l.StartsWith("daemon:x:1:1:", StringComparison.Ordinal)))
            Assert.Skip("needs the user daemon (uid 1) in /etc/passwd");
        var r = _nss.Sh("id -un; cat /proc/self/uid_map", "-U", "daemon:daemon:1");
        Assert.Equal(0, r.ExitCode);
        Assert.Equal("daemon", Lines(r.Stdout)[0]);
        Assert.Equal(["1", "1", "1"], Fields(Lines(r.Stdout)[1]));
        Assert.Equal("", r.Stderr);
    }

    [Fact]
    public void TheHostsRootIsMappedOnlyWhenAskedAndThenWithOneWarning()
    {
        Require.Root();
        string rootOnly = OwnedDirectory(0, 0);
        try
        {
            var asked = _nss.Sh("echo x > /out/f && echo wrote; cat /proc/self/uid_map", "--user", "0:0", "--group", "0:0", "-B", rootOnly + ":/out");
            Assert.Equal(0, asked.ExitCode);
            Assert.Equal("wrote", Lines(asked.Stdout)[0]);
            Assert.Equal(["0", "0", "1"], Fields(Lines(asked.Stdout)[1]));
            Assert.Equal((0u, 0u), FileOwnershipForTests.OwnerOf(Path.Combine(rootOnly, "f")));
            var warnings = Lines(asked.Stderr);
            Assert.Single(warnings);
            Assert.StartsWith("nssandbox: warning: the host's root user and group (uid 0, gid 0) are mapped into the sandbox (--user, --group)", warnings[0]);

            // Root inside is still nobody outside unless an outside id says otherwise: no warning, no write.
            var inside = _nss.Sh("echo x > /out/g && echo wrote || echo refused; id -u", "--user", "0", "--group", "0", "-B", rootOnly + ":/out");
            Assert.Equal("refused\n0\n", inside.Stdout);
            Assert.DoesNotContain("warning", inside.Stderr);
            Assert.False(File.Exists(Path.Combine(rootOnly, "g")));
        }
        finally
        {
            Directory.Delete(rootOnly, recursive: true);
        }
    }

    [Fact]
    public void ModeExecveWritesTheSameRanges()
    {
        Require.Root();
        string results = OwnedDirectory(100007, 100007);
        try
        {
            var r = _nss.RunRaw(["-Me", "--disable_proc", "-U", "0:100000:1000", "-G", "0:100000:1000", "--user", "7", "--group", "7",
                "-B", results + ":/out", "--", "/bin/sh", "-c", "id -u; echo x > /out/f && echo wrote"]);
            Assert.Equal((0, "7\nwrote\n"), (r.ExitCode, r.Stdout));
            Assert.Equal((100007u, 100007u), FileOwnershipForTests.OwnerOf(Path.Combine(results, "f")));
        }
        finally
        {
            Directory.Delete(results, recursive: true);
        }
    }

    [Theory]
    [InlineData(new[] { "-U", "0:100000:10", "-U", "5:300000:10" }, "nssandbox: -U: the uid range 5:300000:10 overlaps 0:100000:10 on the inside side")]
    [InlineData(new[] { "--user", "1000:no-such-user-here" }, "nssandbox: --user: no user named 'no-such-user-here' in /etc/passwd")]
    [InlineData(new[] { "--disable_clone_newuser", "-G", "0:1:1" }, "nssandbox: -G: id maps need a user namespace")]
    public void ABadMapIsRefusedBeforeAnythingRuns(string[] flags, string message)
    {
        Require.Root();
        var r = _nss.RunRaw(["--state_dir", _nss.StateDir, .. flags, "--", "/bin/echo", "ran"]);
        Assert.Equal(125, r.ExitCode);
        Assert.Equal("", r.Stdout);
        Assert.StartsWith(message, r.Stderr);
        Assert.False(Directory.Exists(Path.Combine(_nss.StateDir, "runs")) && Directory.EnumerateFileSystemEntries(Path.Combine(_nss.StateDir, "runs")).Any());
    }
}
