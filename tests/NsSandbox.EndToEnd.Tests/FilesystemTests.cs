namespace NsSandbox.EndToEnd.Tests;

/// <summary>The sandbox's filesystem: read-only root (recursively), private /data, tmpfs /tmp, minimal /dev, binds.</summary>
public sealed class FilesystemTests : IDisposable
{
    private readonly Launcher _nss = new();

    public void Dispose() => _nss.Dispose();

    [Fact]
    public void DataIsTheWritableEmptyWorkingDirectoryAndHome()
    {
        Require.Root();
        var r = _nss.Sh("pwd; echo $HOME; ls -A /data | wc -l; echo x > /data/f && cat /data/f");
        Assert.Equal("/data\n/data\n0\nx\n", r.Stdout);
    }

    [Fact]
    public void DataIsNotSharedBetweenRuns()
    {
        Require.Root();
        Assert.Equal(0, _nss.Sh("echo secret > /data/left-behind").ExitCode);
        var second = _nss.Sh("ls -A /data");
        Assert.Equal("", second.Stdout);
        Assert.Equal(0, second.ExitCode);
    }

    [Fact]
    public void KeepDataLeavesTheDirectoryAndTheReportNamesIt()
    {
        Require.Root();
        var r = _nss.Run(["--keep_data"], "/bin/sh", "-c", "echo kept > /data/out");
        string dir = r.Report!.Value.GetProperty("sandbox").GetProperty("data_dir").GetString()!;
        Assert.StartsWith(_nss.StateDir, dir);
        Assert.Equal("kept\n", File.ReadAllText(Path.Combine(dir, "out")));
        // Only /data is kept: the run's lock is gone (the skeleton was mounted over the run directory itself).
        string runDir = Path.GetDirectoryName(dir)!;
        Assert.Equal([dir], Directory.GetFileSystemEntries(runDir));
        Directory.Delete(runDir, recursive: true);
    }

    [Fact]
    public void TmpAndDevShmAreTmpfs()
    {
        Require.Root();
        var r = _nss.Sh("stat -f -c %T /tmp /dev/shm; echo x > /tmp/f && echo x > /dev/shm/f && echo ok");
        Assert.Equal("tmpfs\ntmpfs\nok\n", r.Stdout);
    }

    [Fact]
    public void TmpSizeIsSettable()
    {
        Require.Root();
        var r = _nss.Sh("df -k /tmp | tail -1 | tr -s ' ' | cut -d' ' -f2", "--tmp_size", "8M");
        Assert.Equal("8192\n", r.Stdout);
    }

    [Fact]
    public void EveryMountButTheWritableOnesIsReadOnly()
    {
        Require.Root();
        // Field 4 of mountinfo is the mount point, field 5 the per-mount options ("ro,..." or "rw,...").
        var r = _nss.Sh("cut -d' ' -f5,6 /proc/self/mountinfo");
        string[] writable = ["/data", "/tmp", "/dev/shm"];
        var mounts = r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(' ')).ToList();
        Assert.True(mounts.Count > 10, r.Stdout);
        Assert.Contains(mounts, m => m[0].StartsWith("/sys", StringComparison.Ordinal));
        foreach (var m in mounts)
        {
            bool rw = m[1].Split(',').Contains("rw");
            Assert.True(rw == writable.Contains(m[0]) || (m[0].StartsWith("/dev/", StringComparison.Ordinal) && m[0] != "/dev/shm" && rw),
                $"{m[0]} is {(rw ? "writable" : "read-only")}");
        }
    }

    [Fact]
    public void WritesToTheRootFailWithReadOnlyFileSystem()
    {
        Require.Root();
        // /data's parent is the skeleton: owned by the sandbox's user, so only the read-only mount stops it.
        var r = _nss.Sh("touch /new-file 2>&1; mkdir /etc/x 2>&1; echo done");
        Assert.Contains("Read-only file system", r.Stdout.Split('\n')[0]);
        Assert.EndsWith("done\n", r.Stdout);
        Assert.False(File.Exists("/etc/x"));
    }

    [Fact]
    public void ReadOnlyHoldsForSubmountsOfTheChroot()
    {
        Require.Root();
        string dir = SuiteDirectory.NewDirectory("ro-");
        try
        {
            Linux.FileOwnershipForTests.Chown(dir, 65534, 65534);
            // A writable-by-nobody directory bound read-only: only the mount flag can refuse the write.
            var r = _nss.Sh("touch /ro/x 2>&1; echo rc=$?", "--bindmount_ro", dir + ":/ro");
            Assert.Contains("Read-only file system", r.Stdout);
            Assert.Empty(Directory.GetFileSystemEntries(dir));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void ReadWriteBindMountWritesThrough()
    {
        Require.Root();
        string dir = SuiteDirectory.NewDirectory("rw-");
        try
        {
            Linux.FileOwnershipForTests.Chown(dir, 65534, 65534);
            var r = _nss.Sh("echo through > /out/file", "--bindmount", dir + ":/out");
            Assert.Equal(0, r.ExitCode);
            Assert.Equal("through\n", File.ReadAllText(Path.Combine(dir, "file")));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void TmpfsMountIsPrivateAndWritable()
    {
        Require.Root();
        var r = _nss.Sh("stat -f -c %T /scratch; touch /scratch/a && echo ok", "--tmpfsmount", "/scratch");
        Assert.Equal("tmpfs\nok\n", r.Stdout);
    }

    [Fact]
    public void DevHoldsOnlyTheMinimalDevices()
    {
        Require.Root();
        var r = _nss.Sh("ls /dev | sort | tr '\\n' ' '; echo; echo x > /dev/null && head -c 4 /dev/zero | wc -c; test -e /dev/tty || echo no-tty");
        Assert.Equal("fd full null random shm stderr stdin stdout urandom zero \n4\nno-tty\n", r.Stdout);
    }

    [Fact]
    public void ProcIsFreshAndCanBeDisabled()
    {
        Require.Root();
        Assert.Equal("proc\n", _nss.Sh("stat -f -c %T /proc").Stdout);
        var none = _nss.Sh("ls -A /proc | wc -l", "--disable_proc");
        Assert.Equal("0\n", none.Stdout);
    }

    [Fact]
    public void SymlinkedTopLevelEntriesStaySymlinks()
    {
        Require.Root();
        string expected = string.Join("", new[] { "bin", "lib", "lib64", "sbin" }
            .Select(n => new FileInfo("/" + n).LinkTarget is { } t ? $"/{n} -> {t}\n" : $"/{n} dir\n"));
        var r = _nss.Sh("for n in bin lib lib64 sbin; do if [ -L /$n ]; then echo \"/$n -> $(readlink /$n)\"; else echo \"/$n dir\"; fi; done; /bin/sh -c 'echo sh-runs'");
        Assert.Equal(expected + "sh-runs\n", r.Stdout);
    }

    [Fact]
    public void RealDirectoryLayoutsWorkAsChrootToo()
    {
        Require.Root();
        // A chroot whose /bin and /lib64 are real directories (the Debian layout before merged /usr).
        string root = SuiteDirectory.NewDirectory("chroot-");
        try
        {
            foreach (string d in new[] { "bin", "lib64", "lib/x86_64-linux-gnu", "usr/lib", "etc" })
            {
                Directory.CreateDirectory(Path.Combine(root, d));
            }
            string sh = Path.GetFullPath("/bin/sh");
            File.Copy(new FileInfo(sh).ResolveLinkTarget(true)?.FullName ?? sh, Path.Combine(root, "bin", "sh"));
            File.SetUnixFileMode(Path.Combine(root, "bin", "sh"), (UnixFileMode)0x1ED);
            // Debian's /lib64/ld-linux-x86-64.so.2 points into /lib/x86_64-linux-gnu.
            var r = _nss.Run(["--chroot", root, "--bindmount_ro", "/usr/lib:/usr/lib", "--bindmount_ro", "/usr/lib64:/lib64",
                    "--bindmount_ro", "/usr/lib/x86_64-linux-gnu:/lib/x86_64-linux-gnu"],
                "/bin/sh", "-c", "echo real-dirs");
            Assert.Equal("real-dirs\n", r.Stdout);
            Assert.Equal(0, r.ExitCode);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }
}
