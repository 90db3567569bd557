namespace NsSandbox.EndToEnd.Tests;

/// <summary>nsjail's configs run unchanged, in real sandboxes: the shapes real projects use (an empty root made
/// of binds on a merged-/usr host, a bind of / as the root plus binds of /lib and /bin, device binds, optional
/// mounts, a sized tmpfs, nsjail's limits), and a hostile chroot whose links point at host paths creates
/// nothing on the host.</summary>
public sealed class NsjailConfigTests : IDisposable
{
    private readonly Launcher _nss = new();

    public void Dispose() => _nss.Dispose();

    private string Config(string text) => _nss.NsjailConfig(text);

    private const string SystemBinds = """
        mount { src: "/bin" dst: "/bin" is_bind: true }
        mount { src: "/lib" dst: "/lib" is_bind: true }
        mount { src: "/lib64" dst: "/lib64" is_bind: true mandatory: false }
        mount { src: "/usr" dst: "/usr" is_bind: true }
        mount { src: "/sbin" dst: "/sbin" is_bind: true mandatory: false }
        """;

    [Fact]
    public void AJudgeStyleConfigRunsInAnEmptyRootWithNsjailsLimits()
    {
        Require.Root();
        string cfg = Config($$"""
            name: "judge"
            mode: ONCE
            time_limit: 20
            {{SystemBinds}}
            mount { src: "/dev/null" dst: "/dev/null" is_bind: true rw: true }
            mount { src: "/dev/tty" dst: "/dev/tty" is_bind: true rw: true }
            mount { src: "/no/such/dir" dst: "/opt/optional" is_bind: true mandatory: false }
            mount { dst: "/tmp" fstype: "tmpfs" rw: true options: "size=8m" }
            mount { dst: "/etc/passwd" src_content: "nobody:x:65534:65534::/:/bin/false\n" }
            mount_proc: true
            envar: "GREETING=hi"
            exec_bin {
              path: "/bin/sh"
              arg: "-c"
              arg: "echo $GREETING; pwd; hostname; ls / | tr '\\n' ' '; echo; ulimit -n; ulimit -f; [ -e /opt/optional ] || echo no-optional; stat -f -c '%b %S' /tmp; echo x > /dev/null && echo devnull; [ -c /dev/tty ] && echo tty-is-a-device; cat /etc/passwd; echo more >> /etc/passwd || echo read-only"
            }
            """);
        var r = _nss.RunRaw(["--state_dir", _nss.StateDir, "--config", cfg]);
        Assert.Equal(0, r.ExitCode);
        var lines = r.Stdout.Split('\n');
        Assert.Equal("hi", lines[0]);
        Assert.Equal("/", lines[1]);                                   // nsjail's cwd
        Assert.Equal("NSJAIL", lines[2]);                              // and hostname
        // Only what the config mounts and what the sandbox provides: no /home, /root of the host (and /etc holds
        // only the file the config made).
        var top = lines[3].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.DoesNotContain("home", top);
        Assert.DoesNotContain("root", top);
        Assert.Contains("usr", top);
        Assert.Equal("32", lines[4]);                                  // rlimit_nofile's default
        Assert.Equal("2048", lines[5]);                                // rlimit_fsize 1 MiB in 512-byte blocks
        Assert.Equal("no-optional", lines[6]);
        var tmp = lines[7].Split(' ').Select(long.Parse).ToArray();
        Assert.Equal(8L << 20, tmp[0] * tmp[1]);                       // the tmpfs's size=8m
        Assert.Equal("devnull", lines[8]);
        Assert.Equal("tty-is-a-device", lines[9]);                    // another host device, bound as a file
        Assert.Equal("nobody:x:65534:65534::/:/bin/false", lines[10]); // src_content, read-only
        Assert.Equal("read-only", lines[^2]);
    }

    [Fact]
    public void BindsOfLibAndBinOverAChrootOfSlashLandInsideUsr()
    {
        Require.Root();
        // The most common shape: the host's / as the root, then its merged-/usr links bound again.
        string cfg = Config($$"""
            mount { src: "/" dst: "/" is_bind: true }
            {{SystemBinds}}
            cwd: "/data"
            exec_bin { path: "/bin/sh" arg: "-c" arg: "[ -L /lib ] && echo lib-is-a-link; ls /etc/hostname" }
            """);
        var r = _nss.RunRaw(["--state_dir", _nss.StateDir, "--config", cfg]);
        Assert.Equal("", r.Stderr);
        Assert.Equal(new FileInfo("/lib").LinkTarget is null ? "/etc/hostname\n" : "lib-is-a-link\n/etc/hostname\n", r.Stdout);
        Assert.Equal(0, r.ExitCode);
    }

    [Fact]
    public void TheSeedPlaygroundsCommandLineWorksVerbatim()
    {
        Require.Root();
        // nsjail --chroot / --config /sandbox.cfg -- python3 /examples/hello.py, with sh for python.
        string cfg = Config("""
            mode: ONCE
            hostname: "sandbox"
            cwd: "/data"
            time_limit: 30
            rlimit_as: 1024
            """);
        var r = _nss.RunRaw(["--state_dir", _nss.StateDir, "--chroot", "/", "--config", cfg, "--", "/bin/sh", "-c", "hostname; pwd"]);
        Assert.Equal("sandbox\n/data\n", r.Stdout);
        Assert.Equal(0, r.ExitCode);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)] // as a user that is not root, who owns the directory the links point at (docs/rootless.md)
    public void AHostileChrootsLinksLeadInsideTheSandboxAndCreateNothingOnTheHost(bool asUser)
    {
        if (asUser) Unprivileged.Require();
        else Require.Root();
        using var nss = asUser ? new Launcher { AsUser = true } : null;
        var launcher = nss ?? _nss;
        string root = SuiteDirectory.NewDirectory("hostile-");
        string outside = SuiteDirectory.NewDirectory("outside-");
        if (asUser) Unprivileged.GiveTo(root, outside);
        try
        {
            // Links that would lead a mount point out of the chroot if followed on the host.
            File.CreateSymbolicLink(Path.Combine(root, "abs"), outside);
            File.CreateSymbolicLink(Path.Combine(root, "rel"), "../../../../.." + outside);
            Directory.CreateDirectory(Path.Combine(root, "usr"));
            string cfg = launcher.NsjailConfig($$"""
                mount { src: "{{root}}" dst: "/" is_bind: true }
                mount { src: "/usr" dst: "/usr" is_bind: true }
                mount { src: "/lib" dst: "/lib" is_bind: true mandatory: false }
                mount { src: "/lib64" dst: "/lib64" is_bind: true mandatory: false }
                mount { src: "/etc" dst: "/abs/x" is_bind: true }
                mount { src: "/etc" dst: "/rel/y" is_bind: true }
                exec_bin { path: "/usr/bin/ls" arg: "-d" arg: "{{outside}}/x/hostname" arg: "{{outside}}/y/hostname" }
                """);
            var r = launcher.RunRaw(["--state_dir", launcher.StateDir, "--config", cfg]);
            // Both links lead to the outside directory's path inside the sandbox (under its own /tmp), where the
            // mount points are made; on the host, that directory stays empty and the chroot unchanged.
            Assert.Equal("", r.Stderr);
            Assert.Equal($"{outside}/x/hostname\n{outside}/y/hostname\n", r.Stdout);
            Assert.Equal(0, r.ExitCode);
            Assert.Empty(Directory.GetFileSystemEntries(outside));
            Assert.Equal(["abs", "rel", "usr"], Directory.GetFileSystemEntries(root).Select(Path.GetFileName).Order());
        }
        finally
        {
            Directory.Delete(root, recursive: true);
            Directory.Delete(outside, recursive: true);
        }
    }

    [Fact]
    public void AHostileChrootCreatesNothingOnTheHostForAnyMountKind()
    {
        Require.Root();
        string root = SuiteDirectory.NewDirectory("hostile-");
        string outside = SuiteDirectory.NewDirectory("outside-");
        try
        {
            // Links at the top and inside a read-only directory, absolute and climbing, all towards a host path.
            File.CreateSymbolicLink(Path.Combine(root, "abs"), outside);
            File.CreateSymbolicLink(Path.Combine(root, "rel"), "../../../../.." + outside);
            File.CreateSymbolicLink(Path.Combine(root, "dev"), outside); // never used: the sandbox's /dev is its own
            Directory.CreateDirectory(Path.Combine(root, "usr"));
            string ro = Path.Combine(root, "ro");
            Directory.CreateDirectory(ro);
            File.SetUnixFileMode(root, (UnixFileMode)0x1ED);
            File.SetUnixFileMode(ro, (UnixFileMode)0x1ED);
            File.CreateSymbolicLink(Path.Combine(ro, "esc"), outside);
            File.CreateSymbolicLink(Path.Combine(ro, "up"), "../../../../../.." + outside);
            File.WriteAllText(Path.Combine(ro, "file"), "chroot's\n");
            string Tree() => string.Join("\n", Directory.GetFileSystemEntries(root, "*", SearchOption.AllDirectories)
                .Select(p => p + (new FileInfo(p).LinkTarget is { } t ? " -> " + t : "")).Order(StringComparer.Ordinal));
            string before = Tree();
            string cfg = Config($$"""
                mount { src: "{{root}}" dst: "/" is_bind: true }
                mount { src: "/usr" dst: "/usr" is_bind: true }
                mount { src: "/lib" dst: "/lib" is_bind: true mandatory: false }
                mount { src: "/lib64" dst: "/lib64" is_bind: true mandatory: false }
                mount { src: "/etc" dst: "/abs/bind" is_bind: true }
                mount { dst: "/rel/tmpfs" fstype: "tmpfs" rw: true options: "size=1m,mode=0700" }
                mount { src: "/usr" dst: "/abs/link" is_symlink: true }
                mount { dst: "/rel/proc" fstype: "proc" }
                mount { dst: "/abs/file" src_content: "made\n" }
                mount { src: "/etc" dst: "/ro/newdir" is_bind: true }
                mount { src: "/usr" dst: "/ro/newlink" is_symlink: true }
                mount { dst: "/ro/esc/deep/tmpfs" fstype: "tmpfs" rw: true }
                mount { src: "/etc/hostname" dst: "/ro/up/up-file" is_bind: true }
                mount { dst: "/dev" fstype: "tmpfs" }
                mount { src: "/etc/hostname" dst: "/dev/hn" is_bind: true }
                exec_bin {
                  path: "/usr/bin/sh" arg: "-c"
                  arg: "cd {{outside}} && ls -d bind/hostname link/bin proc/1/comm deep/tmpfs up-file /ro/newlink/bin && stat -c %a tmpfs && cat file /ro/file /ro/newdir/hostname /dev/hn >/dev/null && readlink /ro/esc /ro/up && ls /ro | tr '\\n' ' '"
                }
                """);
            var r = _nss.RunRaw(["--state_dir", _nss.StateDir, "--config", cfg]);
            // Every link leads to the outside directory's path inside the sandbox (under its own /tmp), where the
            // mount points and the link are made; /ro is shadowed for its new entries, its links kept as they were.
            Assert.Equal("", r.Stderr);
            Assert.Equal($"/ro/newlink/bin\nbind/hostname\ndeep/tmpfs\nlink/bin\nproc/1/comm\nup-file\n700\n{outside}\n../../../../../..{outside}\nesc file newdir newlink up ", r.Stdout);
            Assert.Equal(0, r.ExitCode);
            Assert.Empty(Directory.GetFileSystemEntries(outside));
            Assert.Equal(before, Tree());
        }
        finally
        {
            Directory.Delete(root, recursive: true);
            Directory.Delete(outside, recursive: true);
        }
    }

    [Fact]
    public void MountFieldsMeanWhatTheyMeanToNsjailAndImportKeepsThem()
    {
        Require.Root();
        string src = SuiteDirectory.NewDirectory("prefixed-");
        File.SetUnixFileMode(src, (UnixFileMode)0x1ED);
        File.WriteAllText(Path.Combine(src, "f"), "prefixed\n");
        string cfg = Config("""
            mount { src: "/" dst: "/" is_bind: true }
            mount { dst: "/t" fstype: "tmpfs" rw: true options: "size=2m,nr_inodes=4,mode=0750,noexec" }
            mount { dst: "/ro" fstype: "tmpfs" }
            mount { prefix_src_env: "NSS_E2E_SRC" src: "" prefix_dst_env: "NSS_E2E_DST" dst: "/in" is_bind: true nodev: true is_dir: true }
            mount { src: "/usr/bin" dst: "/usr/local/nss-bin" is_symlink: true }
            mount { dst: "/p" fstype: "proc" }
            mount { src: "/proc/self/fd" dst: "/dev/fd" is_symlink: true }
            exec_bin {
              path: "/bin/sh" arg: "-c"
              arg: "stat -c %a /t; cp /bin/true /t/x; /t/x 2>/dev/null; echo exec=$?; touch /t/a /t/b /t/c 2>/dev/null || echo inodes-full; touch /ro/a 2>/dev/null || echo ro; cat /srv/in/f; readlink /usr/local/nss-bin; cat /p/1/comm; grep -o ' /srv/in [^ ]* [^ ]*nodev' /p/self/mounts | cut -d' ' -f2"
            }
            """);
        string env = $"export NSS_E2E_SRC={src} NSS_E2E_DST=/srv;";
        var r = _nss.RunRaw(["--state_dir", _nss.StateDir, "--config", cfg], bashPrefix: env);
        const string expected = "750\nexec=126\ninodes-full\nro\nprefixed\n/usr/bin\nsh\n/srv/in\n";
        Assert.Equal("", r.Stderr);
        Assert.Equal(expected, r.Stdout);

        // config import says all of it in TOML, which runs the same sandbox.
        var import = _nss.RunRaw(["config", "import", cfg], bashPrefix: env);
        Assert.Equal(0, import.ExitCode);
        foreach (string line in new[] { "inodes = 4", "mode = \"0750\"", "noexec = true", "nodev = true", "dir = true", "type = \"symlink\"", "type = \"proc\"", "rw = false" })
            Assert.Contains(line, import.Stdout);
        string toml = Path.Combine(_nss.TempDir, "imported-mounts.toml");
        File.WriteAllText(toml, import.Stdout);
        var again = _nss.RunRaw(["--state_dir", _nss.StateDir, "--config", toml]);
        Assert.Equal((expected, ""), (again.Stdout, again.Stderr));

        // is_dir that contradicts the source is refused before anything runs.
        string wrong = Config("""mount { src: "/etc/hostname" dst: "/h" is_bind: true is_dir: true } exec_bin { path: "/bin/true" }""");
        var refused = _nss.RunRaw(["--state_dir", _nss.StateDir, "--config", wrong]);
        Assert.Equal(125, refused.ExitCode);
        Assert.Contains("is_dir is true, but /etc/hostname is not a directory", refused.Stderr);
    }

    [Fact]
    public void InvokedAsNsjailItTakesNsjailsDefaults()
    {
        Require.Root();
        string link = Path.Combine(_nss.TempDir, "nsjail");
        File.CreateSymbolicLink(link, Launcher.BinaryPath);
        (int Code, string Out) Run(params string[] args)
        {
            var psi = new System.Diagnostics.ProcessStartInfo(link) { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (string a in new[] { "--state_dir", _nss.StateDir }.Concat(args)) psi.ArgumentList.Add(a);
            using var p = System.Diagnostics.Process.Start(psi)!;
            var stdout = p.StandardOutput.ReadToEndAsync();
            _ = p.StandardError.ReadToEndAsync();
            if (!p.WaitForExit(TimeSpan.FromMinutes(1)))
            {
                p.Kill(entireProcessTree: true);
                throw new TimeoutException("nsjail (the link) did not finish within a minute");
            }
            return (p.ExitCode, stdout.Result);
        }
        // nsjail's README lines; its hostname, cwd and nofile, and no seccomp policy unless one is given.
        Assert.Equal((0, "ABC\n"), Run("-Mo", "--chroot", "/", "--", "/bin/echo", "ABC"));
        Assert.Equal((0, "ABC\n"), Run("-Me", "--chroot", "/", "--disable_proc", "--", "/bin/echo", "ABC"));
        Assert.Equal((0, "NSJAIL\n/\n32\nSeccomp:\t0\n"),
            Run("--chroot", "/", "--", "/bin/sh", "-c", "hostname; pwd; ulimit -n; grep ^Seccomp: /proc/self/status"));
        // Still nobody, mapped to an unprivileged id outside.
        Assert.Equal((0, "65534\n"), Run("--chroot", "/", "--", "/usr/bin/id", "-u"));
        // nsjail's niceness, 19, unless told otherwise.
        Assert.Equal((0, "19\n"), Run("--chroot", "/", "--", "/usr/bin/nice"));
        Assert.Equal((0, "5\n"), Run("--chroot", "/", "--nice_level", "5", "--", "/usr/bin/nice"));
    }

    [Fact]
    public void AWorkerConfigWithIdMapsAndProcessFieldsRuns()
    {
        Require.Root();
        string results = SuiteDirectory.NewDirectory("results-");
        string log = Path.Combine(_nss.TempDir, "jail.log");
        try
        {
            Linux.FileOwnershipForTests.Chown(results, 2000, 2000);
            File.SetUnixFileMode(results, (UnixFileMode)0x1ED);
            string cfg = Config($$"""
                name: "worker"
                {{SystemBinds}}
                mount { src: "{{results}}" dst: "/out" is_bind: true rw: true }
                mount_proc: true
                uidmap { inside_id: "1000" outside_id: "2000" }
                gidmap { inside_id: "1000" outside_id: "2000" }
                nice_level: 5
                persona_addr_no_randomize: true
                stderr_to_null: true
                log_file: "{{log}}"
                rlimit_memlock: 64 rlimit_memlock_type: VALUE
                exec_bin {
                  path: "/bin/sh"
                  arg0: "worker-sh"
                  arg: "-c"
                  arg: "id -u; nice; cat /proc/self/personality; echo $0; grep '^Max locked' /proc/self/limits | tr -s ' '; echo hidden >&2; echo result > /out/r"
                }
                """);
            var r = _nss.RunRaw(["--state_dir", _nss.StateDir, "--config", cfg]);
            Assert.Equal((0, ""), (r.ExitCode, r.Stderr));
            Assert.Equal("1000\n5\n00040000\nworker-sh\nMax locked memory 65536 65536 bytes \n", r.Stdout);
            Assert.Equal((2000u, 2000u), Linux.FileOwnershipForTests.OwnerOf(Path.Combine(results, "r")));
            Assert.False(File.Exists(log) && File.ReadAllText(log).Length > 0, "nothing to log on a clean run");
        }
        finally
        {
            Directory.Delete(results, recursive: true);
        }
    }

    [Fact]
    public void AnUnsupportedFieldIsRefusedByNameAndNothingRuns()
    {
        Require.Root();
        string cfg = Config("mode: ONCE\nkeep_caps: true\nexec_bin { path: \"/bin/true\" }\n");
        var r = _nss.RunRaw(["--state_dir", _nss.StateDir, "--config", cfg]);
        Assert.Equal(125, r.ExitCode);
        Assert.Equal($"nssandbox: {cfg}:2:1: keep_caps: capabilities are always dropped\n", r.Stderr);
        Assert.False(Directory.Exists(Path.Combine(_nss.StateDir, "runs")));
    }

    [Fact]
    public void ConfigCheckAndImportReadNsjailConfigs()
    {
        Require.Root();
        string cfg = Config($$"""{{SystemBinds}}""" + "\nexec_bin { path: \"/bin/true\" }\n");
        var check = _nss.RunRaw(["config", "check", cfg]);
        Assert.Equal((0, $"{cfg}: ok\n"), (check.ExitCode, check.Stdout));
        var import = _nss.RunRaw(["config", "import", cfg]);
        Assert.Equal(0, import.ExitCode);
        Assert.Contains("chroot = \"\"", import.Stdout);
        Assert.Contains("optional = true", import.Stdout);
        // The TOML it prints runs the same sandbox.
        string toml = Path.Combine(_nss.TempDir, "imported.toml");
        File.WriteAllText(toml, import.Stdout);
        var run = _nss.RunRaw(["--state_dir", _nss.StateDir, "--config", toml, "--", "/bin/sh", "-c", "hostname; ulimit -n"]);
        Assert.Equal("NSJAIL\n32\n", run.Stdout);
    }
}
