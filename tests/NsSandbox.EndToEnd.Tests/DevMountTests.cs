namespace NsSandbox.EndToEnd.Tests;

/// <summary>A bind or a tmpfs at /dev replaces the sandbox's own /dev, as nsjail configs use them: a tmpfs with
/// its options (the sandbox still binds its standard devices into it), a host directory bound as /dev with its
/// device nodes usable and its submounts kept, read-only unless asked; refused where the order would hide a
/// mount, and never anything made on the host.</summary>
public sealed class DevMountTests : IDisposable
{
    private readonly Launcher _nss = new();

    public void Dispose() => _nss.Dispose();

    private string Config(string text) => _nss.NsjailConfig(text);

    /// <summary>A directory of the test's own holding a character device node (the kernel's null, 1:3).</summary>
    private static string DirectoryWithANullNode()
    {
        string dir = SuiteDirectory.NewDirectory("dev-");
        File.SetUnixFileMode(dir, (UnixFileMode)0x1ED);
        Launcher.MakeNullNode(Path.Combine(dir, "mynull"));
        File.WriteAllText(Path.Combine(dir, "plain"), "a file\n");
        return dir;
    }

    private const string MountLine = "awk '$5 == \"/dev\" {print $9, $6}' /proc/self/mountinfo";

    [Fact]
    public void ATmpfsAtDevTakesItsOptionsAndKeepsTheStandardDevices()
    {
        Require.Root();
        string cfg = Config("""
            mount { src: "/" dst: "/" is_bind: true }
            mount { dst: "/proc" fstype: "proc" }
            mount { dst: "/dev" fstype: "tmpfs" options: "size=2m,mode=0711" }
            mount { src: "/dev/null" dst: "/dev/null" is_bind: true rw: true }
            """);
        var r = _nss.Sh(MountLine + "; stat -c %a /dev; echo x >/dev/null && echo null-ok; head -c3 /dev/zero | wc -c; " +
                        "ls -A /dev | LC_ALL=C sort | tr '\\n' ' '; echo; touch /dev/new 2>&1",
            "--config", cfg);
        var lines = r.Stdout.Split('\n');
        Assert.StartsWith("tmpfs ro,", lines[0]);
        Assert.Equal("711", lines[1]);
        Assert.Equal("null-ok", lines[2]);
        Assert.Equal("3", lines[3].Trim());
        Assert.Equal("fd full null random shm stderr stdin stdout urandom zero", lines[4].Trim());
        Assert.Contains("Read-only file system", lines[5]);
        // The size given, not the sandbox's 64k.
        string mountinfo = _nss.Sh("grep ' /dev tmpfs\\| /dev rw\\| /dev ro' /proc/self/mountinfo", "--config", cfg).Stdout;
        Assert.Contains("size=2048k", mountinfo);
    }

    [Fact]
    public void AWritableTmpfsAtDevIsWritable()
    {
        Require.Root();
        // -m mounts are read-write, as nsjail's; a config's tmpfs is read-only unless it says rw.
        var r = _nss.Sh(MountLine + "; touch /dev/new && echo made",
            "--chroot", "/", "-m", "none:/dev:tmpfs:size=1m");
        Assert.Equal("", r.Stderr);
        Assert.StartsWith("tmpfs rw,", r.Stdout);
        string cfg = Config("""
            mount { src: "/" dst: "/" is_bind: true }
            mount { dst: "/proc" fstype: "proc" }
            mount { dst: "/dev" fstype: "tmpfs" rw: true }
            """);
        r = _nss.Sh(MountLine + "; touch /dev/new && echo made", "--config", cfg);
        Assert.Equal("", r.Stderr);
        Assert.Equal("made", r.Stdout.Split('\n')[1]);
        Assert.StartsWith("tmpfs rw,", r.Stdout);
    }

    [Fact]
    public void AHostDirectoryBoundAsDevIsTheWholeDevWithItsNodesUsableAndReadOnly()
    {
        Require.Root();
        string dir = DirectoryWithANullNode();
        var r = _nss.Sh("ls -A /dev | LC_ALL=C sort | tr '\\n' ' '; echo; echo x >/dev/mynull && echo node-ok; cat /dev/plain; " +
                        "touch /dev/new 2>&1; (echo x >/dev/plain) 2>&1; true",
            "--chroot", "/", "-R", dir + ":/dev");
        Assert.Equal(0, r.ExitCode);
        var lines = r.Stdout.Split('\n');
        Assert.True(lines.Length > 4, r.Stdout + r.Stderr);
        Assert.Equal("mynull plain", lines[0].Trim());
        Assert.Equal("node-ok", lines[1]);
        Assert.Equal("a file", lines[2]);
        Assert.True(lines[3].Contains("Read-only file system") && lines[4].Contains("Read-only file system"), r.Stdout);
        Assert.Equal(["mynull", "plain"], Directory.GetFileSystemEntries(dir).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Equal("a file\n", File.ReadAllText(Path.Combine(dir, "plain")));
    }

    [Fact]
    public void TheHostsDevBoundAsDevKeepsItsSubmountsAllReadOnly()
    {
        Require.Root();
        Require.FileExists("/dev/pts/ptmx");
        string cfg = Config("""
            mount { src: "/" dst: "/" is_bind: true }
            mount { dst: "/proc" fstype: "proc" }
            mount { src: "/dev" dst: "/dev" is_bind: true }
            """);
        // /dev/shm and /dev/pts come with it (a recursive bind, as nsjail's); nothing below /dev is writable.
        var r = _nss.Sh("test -e /dev/pts/ptmx && echo pts; head -c2 /dev/urandom | wc -c; touch /dev/shm/nss-x 2>&1; " +
                        "awk '$5 ~ \"^/dev\" && $6 !~ \"^ro\" {print \"writable:\", $5}' /proc/self/mountinfo",
            "--config", cfg);
        var lines = r.Stdout.Split('\n');
        Assert.Equal("pts", lines[0]);
        Assert.Equal("2", lines[1].Trim());
        Assert.Contains("Read-only file system", lines[2]);
        Assert.DoesNotContain("writable:", r.Stdout);
        Assert.False(File.Exists("/dev/shm/nss-x"));
    }

    [Fact]
    public void ADeviceNodeIsBoundIntoAReplacedDev()
    {
        Require.Root();
        string dir = DirectoryWithANullNode();
        string cfg = Config($$"""
            mount { src: "/" dst: "/" is_bind: true }
            mount { dst: "/proc" fstype: "proc" }
            mount { dst: "/dev" fstype: "tmpfs" }
            mount { src: "{{dir}}/mynull" dst: "/dev/gpu0" is_bind: true rw: true }
            """);
        var r = _nss.Sh("echo x >/dev/gpu0 && echo gpu-ok; stat -c %t:%T /dev/gpu0", "--config", cfg);
        Assert.Equal("", r.Stderr);
        Assert.Equal("gpu-ok\n1:3\n", r.Stdout);
    }

    [Theory]
    [InlineData("mount { src: \"/dev/null\" dst: \"/dev/x\" is_bind: true }\nmount { dst: \"/dev\" fstype: \"tmpfs\" }",
        "the mount that replaces /dev comes after the mount at /dev/x, which it would hide; put it first")]
    [InlineData("mount { dst: \"/dev\" fstype: \"tmpfs\" }\nmount { src: \"/dev\" dst: \"/dev\" is_bind: true }",
        "/dev is replaced twice")]
    [InlineData("mount { dst: \"/dev\" fstype: \"proc\" }", "only a bind or a tmpfs can replace /dev")]
    [InlineData("mount { src: \"/etc/hostname\" dst: \"/dev\" is_bind: true }", "is not a directory, so it cannot be the sandbox's /dev")]
    public void AMountAtDevThatCannotMeanWhatItSaysIsRefused(string mounts, string message)
    {
        Require.Root();
        string cfg = Config("mount { src: \"/\" dst: \"/\" is_bind: true }\n" + mounts);
        var r = _nss.Sh("echo ran", "--config", cfg);
        Assert.Equal(125, r.ExitCode);
        Assert.Contains(message, r.Stderr);
        Assert.Equal("", r.Stdout);
    }
}
