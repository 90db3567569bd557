using System.Diagnostics;

namespace NsSandbox.EndToEnd.Tests;

/// <summary>nsjail's process flags in real sandboxes, each read back from the kernel inside: the CPUs allowed,
/// the niceness, the personality, rdtsc, the command's descriptors, argv[0], the launcher's log and rlimits.</summary>
public sealed class ProcessFlagTests : IDisposable
{
    private readonly Launcher _nss = new();

    public void Dispose() => _nss.Dispose();

    private static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    private static List<int> CpuList(string list) => list.Split(',').SelectMany(part =>
    {
        var ends = part.Split('-').Select(int.Parse).ToArray();
        return Enumerable.Range(ends[0], ends[^1] - ends[0] + 1);
    }).ToList();

    private static List<int> OwnCpus() =>
        CpuList(File.ReadAllLines("/proc/self/status").First(l => l.StartsWith("Cpus_allowed_list:", StringComparison.Ordinal)).Split(':')[1].Trim());

    [Fact]
    public void MaxCpusPinsTheCommandToThatManyOfTheLaunchersCpus()
    {
        Require.Root();
        var own = OwnCpus();
        if (own.Count < 2) Assert.Skip("needs at least two CPUs to pick from");
        var picked = new HashSet<int>();
        for (int i = 0; i < 6; i++)
        {
            var r = _nss.Sh("grep Cpus_allowed_list /proc/self/status", "--max_cpus", "1");
            Assert.Equal(0, r.ExitCode);
            var cpus = CpuList(r.Stdout.Split(':')[1].Trim());
            Assert.Single(cpus);
            Assert.Contains(cpus[0], own);
            picked.Add(cpus[0]);
        }
        // As many as there are changes nothing.
        var all = _nss.Sh("grep Cpus_allowed_list /proc/self/status", "--max_cpus", own.Count.ToString());
        Assert.Equal(own, CpuList(all.Stdout.Split(':')[1].Trim()));
    }

    [Fact]
    public void NiceLevelIsTheCommandsNiceness()
    {
        Require.Root();
        Assert.Equal("7\n", _nss.Run(["--nice_level", "7"], "/usr/bin/nice").Stdout);
        Assert.Equal("19\n", _nss.Run(["--nice_level", "40"], "/usr/bin/nice").Stdout); // clamped, as the kernel does
        int own = int.Parse(File.ReadAllText("/proc/self/stat").Split(") ")[1].Split(' ')[16]);
        Assert.Equal($"{own}\n", _nss.Run([], "/usr/bin/nice").Stdout); // left as the launcher's
        // Lowering it needs CAP_SYS_NICE on the host, which a user namespace does not give: a setup error.
        var lower = _nss.Run(["--nice_level", (own - 1).ToString()], "/usr/bin/nice");
        Assert.Equal(126, lower.ExitCode);
        Assert.Contains($"setpriority {own - 1}: Permission denied", lower.Stderr);

        // Invoked as nsjail the default is nsjail's 19: NsjailConfigTests.InvokedAsNsjailItTakesNsjailsDefaults.
    }

    [Fact]
    public void PersonaFlagsAreTheCommandsPersonality()
    {
        Require.Root();
        var r = _nss.Run(["--persona_addr_no_randomize", "--persona_addr_compat_layout"], "/bin/cat", "/proc/self/personality");
        Assert.Equal("00240000\n", r.Stdout); // ADDR_NO_RANDOMIZE | ADDR_COMPAT_LAYOUT
        Assert.Equal("00000000\n", _nss.Run([], "/bin/cat", "/proc/self/personality").Stdout);
        // Without randomization two runs map the same stack.
        string Stack() => Lines(_nss.Run(["--persona_addr_no_randomize"], "/bin/grep", "stack", "/proc/self/maps").Stdout)[0];
        Assert.Equal(Stack(), Stack());
    }

    [Fact]
    public void DisableTscMakesRdtscFault()
    {
        Require.Root();
        if (System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture != System.Runtime.InteropServices.Architecture.X64)
            Assert.Skip("rdtsc is an x86 instruction");
        string program = CompileStatic("""
            #include <stdio.h>
            #include <sys/prctl.h>
            #include <x86intrin.h>
            int main(void)
            {
                int mode = 0;
                prctl(PR_GET_TSC, &mode, 0, 0, 0);
                printf("tsc %d\n", mode);
                fflush(stdout);
                volatile unsigned long long t = __rdtsc();
                (void)t;
                printf("rdtsc ran\n");
                return 0;
            }
            """);
        var free = _nss.Run(["-R", program + ":/tsc"], "/tsc");
        Assert.Equal((0, "tsc 1\nrdtsc ran\n"), (free.ExitCode, free.Stdout));
        var off = _nss.Run(["--disable_tsc", "-R", program + ":/tsc"], "/tsc");
        Assert.Equal("tsc 2\n", off.Stdout); // PR_TSC_SIGSEGV
        Assert.Equal(128 + 11, off.ExitCode);
        Assert.Equal("SIGSEGV", off.ReportString("signal_name"));
    }

    /// <summary>A statically linked program (no loader that might read the TSC itself), built with the machine's cc.</summary>
    private string CompileStatic(string source, string name = "tsc")
    {
        if (!new[] { "/usr/bin/cc", "/bin/cc" }.Any(File.Exists)) Assert.Skip("needs cc to build a static test program");
        string c = Path.Combine(_nss.TempDir, name + ".c"), exe = Path.Combine(_nss.TempDir, name);
        File.WriteAllText(c, source);
        var psi = new ProcessStartInfo("cc", ["-static", "-O1", "-o", exe, c]) { RedirectStandardError = true };
        using var cc = Process.Start(psi)!;
        string err = cc.StandardError.ReadToEnd();
        cc.WaitForExitWithin(TimeSpan.FromMinutes(2));
        if (cc.ExitCode != 0) Assert.Skip("cc cannot link statically here (libc6-dev's libc.a is missing?): " + err);
        File.SetUnixFileMode(exe, (UnixFileMode)0x1ED);
        return exe;
    }

    [Fact]
    public void SilentAndStderrToNullPutDevNullOnTheCommandsDescriptors()
    {
        Require.Root();
        var errOnly = _nss.Sh("echo out; echo err >&2", "--stderr_to_null");
        Assert.Equal(("out\n", ""), (errOnly.Stdout, errOnly.Stderr));
        string data = SuiteDirectory.NewDirectory("data-");
        try
        {
            Linux.FileOwnershipForTests.Chown(data, 65534, 65534);
            var silent = _nss.Sh("echo out; echo err >&2; r=$(for f in 0 1 2; do readlink /proc/$$/fd/$f; done); echo \"$r\" > /data/fds; exit 3",
                "--silent", "--data", data);
            Assert.Equal((3, "", ""), (silent.ExitCode, silent.Stdout, silent.Stderr));
            Assert.Equal(["/dev/null", "/dev/null", "/dev/null"], File.ReadAllLines(Path.Combine(data, "fds")));
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }

    [Fact]
    public void ExecuteFdRunsAHostFileTheSandboxCannotSee()
    {
        Require.Root();
        // In the test's own directory (0700, root's): the sandbox's nobody could not reach it even if it were bound.
        string program = CompileStatic("""
            #include <stdio.h>
            #include <unistd.h>
            int main(int argc, char **argv) { printf("%s uid %d\n", argv[0], (int)getuid()); return 0; }
            """, "fromfd");
        string empty = SuiteDirectory.NewDirectory("empty-root-");
        File.SetUnixFileMode(empty, (UnixFileMode)0x1ED);
        var r = _nss.Run(["--chroot", empty, "--execute_fd"], program, "x");
        Assert.Equal((0, $"{program} uid 65534\n"), (r.ExitCode, r.Stdout));
        // Without it the path is looked up in the sandbox, where it is not.
        Assert.Equal(127, _nss.Run(["--chroot", empty], program).ExitCode);
        // With --exec_file the file runs under the given argv[0]; mode execve opens it the same way.
        r = _nss.Run(["--chroot", empty, "--execute_fd", "-x", program], "given-name");
        Assert.Equal("given-name uid 65534\n", r.Stdout);
        var execve = _nss.RunRaw(["--state_dir", _nss.StateDir, "-Me", "--disable_proc", "--chroot", empty, "--execute_fd", "--", program]);
        Assert.Equal((0, $"{program} uid 65534\n"), (execve.ExitCode, execve.Stdout));
        // nsjail's config field, in an empty root of its own (no mounts at all).
        string cfg = _nss.NsjailConfig($"exec_bin {{ path: \"{program}\" arg0: \"jailed\" exec_fd: true }}");
        r = _nss.RunRaw(["--state_dir", _nss.StateDir, "--config", cfg]);
        Assert.Equal((0, "jailed uid 65534\n"), (r.ExitCode, r.Stdout));
        // A file that is not on the host is refused before anything runs.
        r = _nss.Run(["--execute_fd"], Path.Combine(_nss.TempDir, "missing"));
        Assert.Equal(125, r.ExitCode);
        Assert.Contains("--execute_fd: ", r.Stderr);
    }

    [Fact]
    public void ExecFileRunsAnotherFileUnderTheGivenArgv0()
    {
        Require.Root();
        var r = _nss.Run(["-x", "/bin/cat"], "mycat", "/proc/self/cmdline");
        Assert.Equal("mycat\0/proc/self/cmdline\0", r.Stdout);
        Assert.Equal("mycat", r.Report!.Value.GetProperty("command")[0].GetString());
    }

    [Fact]
    public void TheLaunchersMessagesGoToTheLogAndTheCommandsStderrStays()
    {
        Require.Root();
        string log = Path.Combine(_nss.TempDir, "jail.log");
        var missing = _nss.Run(["--log", log], "/no/such/command");
        Assert.Equal((127, ""), (missing.ExitCode, missing.Stderr));
        Assert.Equal(["nssandbox: execve /no/such/command: No such file or directory"], File.ReadAllLines(log));
        Assert.Equal((UnixFileMode)0b110_100_000, File.GetUnixFileMode(log)); // 0640, as nsjail makes it
        var ok = _nss.Run(["--log", log, "--user", "0:0"], "/bin/sh", "-c", "echo to-stderr >&2");
        Assert.Equal((0, "to-stderr\n"), (ok.ExitCode, ok.Stderr)); // the command's stderr is its own
        Assert.Equal(2, File.ReadAllLines(log).Length); // appended
        Assert.StartsWith("nssandbox: warning: the host's root user (uid 0)", File.ReadAllLines(log)[1]);

        // Mode execve: the set-up stage writes its error there too.
        var execve = _nss.RunRaw(["-Me", "--disable_proc", "--log", log, "--", "/no/such/program"]);
        Assert.Equal(127, execve.ExitCode);
        Assert.Equal("", execve.Stderr);
        Assert.Equal("nssandbox: execve /no/such/program: No such file or directory", File.ReadAllLines(log)[^1]);

        // A descriptor the caller opened (nsjail's --log_fd).
        string fdLog = Path.Combine(_nss.TempDir, "fd.log");
        var byFd = _nss.RunRaw(["--state_dir", _nss.StateDir, "--log_fd", "5", "--user", "0:0", "--", "/bin/true"], bashPrefix: $"exec 5>'{fdLog}';");
        Assert.Equal((0, ""), (byFd.ExitCode, byFd.Stderr));
        Assert.StartsWith("nssandbox: warning: the host's root user (uid 0) is mapped", File.ReadAllText(fdLog));
        var closed = _nss.RunRaw(["--state_dir", _nss.StateDir, "--log_fd", "9", "--", "/bin/true"]);
        Assert.Equal((125, "nssandbox: --log_fd: descriptor 9 is not open\n"), (closed.ExitCode, closed.Stderr));
    }

    [Fact]
    public void MemlockRtprioAndMsgqueueLimitsAreSet()
    {
        Require.Root();
        static ulong Hard(string name) => File.ReadAllLines("/proc/self/limits").First(l => l.StartsWith(name, StringComparison.Ordinal))
            .Split(' ', StringSplitOptions.RemoveEmptyEntries)[^2] is var v && v == "unlimited" ? ulong.MaxValue : ulong.Parse(v);
        ulong rtprio = Math.Min(3, Hard("Max realtime priority"));
        var r = _nss.Run(["--rlimit_memlock", "128", "--rlimit_msgqueue", "4096", "--rlimit_rtprio", rtprio.ToString()],
            "/bin/grep", "-E", "^Max (locked memory|msgqueue size|realtime priority)", "/proc/self/limits");
        var limits = Lines(r.Stdout).ToDictionary(l => l[..26].Trim(), l => l[26..].Split(' ', StringSplitOptions.RemoveEmptyEntries)[..2]);
        Assert.Equal(["131072", "131072"], limits["Max locked memory"]);
        Assert.Equal(["4096", "4096"], limits["Max msgqueue size"]);
        Assert.Equal([rtprio.ToString(), rtprio.ToString()], limits["Max realtime priority"]);
        var report = r.Report!.Value.GetProperty("limits").GetProperty("rlimits");
        Assert.Equal(131072UL, report.GetProperty("memlock").GetUInt64());
    }
}
