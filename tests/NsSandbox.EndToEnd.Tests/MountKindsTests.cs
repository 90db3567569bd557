namespace NsSandbox.EndToEnd.Tests;

/// <summary>Mounts as nsjail's configs and command lines use them, in real sandboxes: new mount points below
/// read-only directories of the chroot (made in a shadow of the directory, nothing on the host), per-mount
/// options (noexec, nodev, size, nr_inodes, mode, uid, gid, ro), symlinks, proc elsewhere and read-only.</summary>
public sealed class MountKindsTests : IDisposable
{
    private readonly Launcher _nss = new();

    public void Dispose() => _nss.Dispose();

    /// <summary>A directory the sandbox's user may enter and read (the suite's are 0700).</summary>
    private static string Readable(string prefix)
    {
        string dir = SuiteDirectory.NewDirectory(prefix);
        File.SetUnixFileMode(dir, (UnixFileMode)0x1ED);
        return dir;
    }

    private static string Listing(string dir) => string.Join(" ", Directory.GetFileSystemEntries(dir).Select(Path.GetFileName).Order(StringComparer.Ordinal));

    [Fact]
    public void ANewMountPointBelowAReadOnlyDirectoryOfTheChrootIsMadeInAShadowOfIt()
    {
        Require.Root();
        Require.FileExists("/usr/bin/env");
        string src = Readable("src-");
        File.WriteAllText(Path.Combine(src, "f"), "from the host\n");
        string before = Listing("/usr/local"), shareBefore = Listing("/usr/share");
        var r = _nss.Sh(
            "cat /usr/local/new/f; ls -A /usr/local | LC_ALL=C sort | tr '\\n' ' '; echo; touch /usr/local/x 2>&1; " +
            "cat /lib64/x; ls -d /usr/share/nss/deep; /usr/bin/env true && echo exec-ok; grep -c nssandbox-shadow /proc/self/mountinfo",
            "--chroot", "/", "-B", src + ":/usr/local/new", "-R", "/etc/hostname:/lib64/x", "-T", "/usr/share/nss/deep");
        Assert.Equal("", r.Stderr);
        var lines = r.Stdout.Split('\n');
        Assert.Equal("from the host", lines[0]);
        // The same directory as the host's, plus the new mount point; read-only as the rest of the chroot.
        Assert.Equal(string.Join(" ", before.Split(' ').Append("new").Where(n => n.Length > 0).Order(StringComparer.Ordinal)), lines[1].Trim());
        Assert.Contains("Read-only file system", lines[2]);
        Assert.Equal(File.ReadAllText("/etc/hostname").TrimEnd(), lines[3]);
        Assert.Equal("/usr/share/nss/deep", lines[4]);
        Assert.Equal("exec-ok", lines[5]);   // binaries and the loader of the shadowed /usr/lib64 still work
        Assert.Equal("0", lines[6]);         // the staging entry is gone
        // Nothing was made on the host.
        Assert.Equal(before, Listing("/usr/local"));
        Assert.Equal(shareBefore, Listing("/usr/share"));
        Assert.False(File.Exists(new FileInfo("/lib64").LinkTarget is null ? "/lib64/x" : "/usr/lib64/x"));
    }

    [Fact]
    public void AShadowKeepsWhatWasMountedBelowTheDirectoryAndWhatTheUserMountedThere()
    {
        Require.Root();
        string outer = Readable("outer-"), inner = Readable("inner-");
        Directory.CreateDirectory(Path.Combine(outer, "sub"));
        File.WriteAllText(Path.Combine(inner, "g"), "inner\n");
        // /o is a read-only bind; /o/sub/a needs a shadow of /o/sub, then /o/b one of /o, which keeps /o/sub's.
        var r = _nss.Sh("cat /o/sub/a/g /o/b/g; ls /o | tr '\\n' ' '; ls /o/sub | tr '\\n' ' '",
            "-R", outer + ":/o", "-R", inner + ":/o/sub/a", "-R", inner + ":/o/b");
        Assert.Equal("", r.Stderr);
        Assert.Equal("inner\ninner\nb sub a ", r.Stdout);
        Assert.Equal("sub", Listing(outer));
        Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(outer, "sub")));
    }

    [Fact]
    public void AMissingMountPointInAWritableHostDirectoryIsRefusedAndNothingIsMade()
    {
        Require.Root();
        string dir = SuiteDirectory.NewDirectory("rwdir-");
        var r = _nss.Sh("true", "-B", dir + ":/w", "-T", "/w/new");
        Assert.Equal(125, r.ExitCode);
        Assert.Contains($"mount point /w/new does not exist, and /w is a writable host directory", r.Stderr);
        Assert.Empty(Directory.GetFileSystemEntries(dir));
    }

    [Fact]
    public void NoexecAndNodevHoldOnTmpfsAndBindMounts()
    {
        Require.Root();
        string bin = Readable("bin-");
        File.Copy("/bin/true", Path.Combine(bin, "t"));
        var r = _nss.Sh(
            "cp /bin/true /x/t; /x/t; echo tmpfs=$?; /b/t; echo bind=$?; /ok/t; echo plain=$?; " +
            "head -c1 /zero >/dev/null; echo nodev=$?; head -c1 /zero-dev | wc -c",
            "-m", "none:/x:tmpfs:noexec", "-B", bin + ":/b:ro,noexec", "-R", bin + ":/ok", "-B", "/dev/zero:/zero:nodev", "-R", "/dev/zero:/zero-dev");
        // exec of a file on a noexec mount fails with EACCES (the shell's 126); a device node on a nodev mount
        // cannot be opened (EACCES), the same node elsewhere can.
        Assert.Equal("tmpfs=126\nbind=126\nplain=0\nnodev=1\n1\n", r.Stdout);
        Assert.Contains("Permission denied", r.Stderr);
    }

    [Fact]
    public void TmpfsOptionsSizeInodesModeAndOwnerTakeEffect()
    {
        Require.Root();
        var r = _nss.Sh(
            "stat -c '%a %u %g' /t; stat -f -c '%b %S' /t; for i in 1 2 3 4; do touch /t/f$i 2>/dev/null || { echo full-at-$i; break; }; done; " +
            "touch /ro/x 2>&1 | grep -o 'Read-only file system'",
            "-m", "none:/t:tmpfs:size=2m,nr_inodes=3,mode=0710,uid=65534,gid=65534", "-m", "none:/ro:tmpfs:ro");
        var lines = r.Stdout.Split('\n');
        Assert.Equal("710 65534 65534", lines[0]);
        var df = lines[1].Split(' ').Select(long.Parse).ToArray();
        Assert.Equal(2L << 20, df[0] * df[1]);
        // nr_inodes=3: the root and two files; the third fails with ENOSPC.
        Assert.Equal("full-at-3", lines[2]);
        Assert.Equal("Read-only file system", lines[3]);
        // An owner the sandbox's user namespace does not map is refused before anything runs.
        var unmapped = _nss.Sh("true", "-m", "none:/t:tmpfs:uid=0");
        Assert.Equal(125, unmapped.ExitCode);
        Assert.Contains("uid=0 is not mapped in the sandbox's user namespace", unmapped.Stderr);
    }

    [Fact]
    public void SymlinksAreMadeInTheSandboxNeverOnTheHost()
    {
        Require.Root();
        string before = Listing("/usr/local");
        var r = _nss.Sh("readlink /usr/local/nss-link /tmp/fds; cat /usr/local/nss-link/hostname; ls /dev/fd/ >/dev/null && echo fd-ok",
            "--chroot", "/", "-s", "/etc:/usr/local/nss-link", "--symlink", "/proc/self/fd:/tmp/fds", "-s", "/proc/self/fd:/dev/fd");
        Assert.Equal("", r.Stderr);
        Assert.Equal($"/etc\n/proc/self/fd\n{File.ReadAllText("/etc/hostname")}fd-ok\n", r.Stdout);
        Assert.Equal(before, Listing("/usr/local"));
        // A symlink where something else is already is refused, as nsjail's symlink() fails there.
        var taken = _nss.Sh("true", "-s", "/x:/etc");
        Assert.Equal(125, taken.ExitCode);
        Assert.Contains("cannot make the symlink /etc: something is there already", taken.Stderr);
    }

    [Fact]
    public void ProcIsReadOnlyUnlessAskedAndCanBeMountedElsewhere()
    {
        Require.Root();
        var ro = _nss.Sh("{ echo x > /proc/self/comm; } 2>&1 | grep -o 'Read-only file system'");
        Assert.Equal("Read-only file system\n", ro.Stdout);
        // The shell (pid 1) renames itself through /proc.
        var rw = _nss.Sh("printf renamed > /proc/$$/comm && cat /proc/$$/comm", "--proc_rw");
        Assert.Equal("renamed\n", rw.Stdout);
        var moved = _nss.Sh("ls -A /proc | wc -l; cat /myproc/1/comm /p2/1/comm; grep -o ' /myproc proc r[ow]' /myproc/self/mounts; grep -o ' /p2 proc r[ow]' /myproc/self/mounts",
            "--proc_path", "/myproc", "-m", "none:/p2:proc");
        Assert.Equal("", moved.Stderr);
        // /proc stays an empty directory; a --mount is read-write, as nsjail mounts it.
        Assert.Equal("0\nsh\nsh\n /myproc proc ro\n /p2 proc rw\n", moved.Stdout);
    }
}
