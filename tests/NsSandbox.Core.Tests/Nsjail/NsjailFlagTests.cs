using NsSandbox.Frontends.Cli;

namespace NsSandbox.Core.Tests.Nsjail;

/// <summary>Every flag of nsjail's is ours with its meaning, one of nsjail's spellings of ours, or refused by
/// name with the reason; docs/nsjail.md has a row for each.</summary>
public sealed class NsjailFlagTests
{
    /// <summary>nsjail's flags (cmdline.cc of current nsjail), with their short names.</summary>
    public static readonly (string Name, char? Short)[] Nsjail =
    [
        ("help", 'h'), ("mode", 'M'), ("config", 'C'), ("exec_file", 'x'), ("execute_fd", null), ("chroot", 'c'), ("rw", null),
        ("user", 'u'), ("group", 'g'), ("hostname", 'H'), ("cwd", 'D'), ("port", 'p'), ("bindhost", null), ("max_conns", null),
        ("max_conns_per_ip", 'i'), ("log", 'l'), ("log_fd", 'L'), ("time_limit", 't'), ("max_cpus", null), ("daemon", 'd'),
        ("verbose", 'v'), ("quiet", 'q'), ("really_quiet", 'Q'), ("keep_env", 'e'), ("env", 'E'), ("keep_caps", null),
        ("cap", null), ("silent", null), ("stderr_to_null", null), ("skip_setsid", null), ("pass_fd", null),
        ("disable_no_new_privs", null), ("rlimit_as", null), ("rlimit_core", null), ("rlimit_cpu", null), ("rlimit_fsize", null),
        ("rlimit_nofile", null), ("rlimit_nproc", null), ("rlimit_stack", null), ("rlimit_memlock", null), ("rlimit_rtprio", null),
        ("rlimit_msgqueue", null), ("disable_rlimits", null), ("no_pivotroot", null), ("enable_clone_newtime", null),
        ("persona_addr_compat_layout", null), ("persona_mmap_page_zero", null), ("persona_read_implies_exec", null),
        ("persona_addr_limit_3gb", null), ("persona_addr_no_randomize", null), ("disable_clone_newnet", 'N'),
        ("disable_clone_newuser", null), ("disable_clone_newns", null), ("disable_clone_newpid", null),
        ("disable_clone_newipc", null), ("disable_clone_newuts", null), ("disable_clone_newcgroup", null),
("uid_mapping", 'U'), ("gid_mapping", 'G'), ("bindmount_ro", 'R'), ("bindmount", 'B'),
        ("tmpfsmount", 'T'), ("mount", 'm'), ("symlink", 's'), ("disable_proc", null), ("proc_path", null), ("proc_rw", null),
        ("seccomp_policy", 'P'), ("seccomp_string", null), ("seccomp_log", null), ("nice_level", null), ("disable_tsc", null),
        ("forward_signals", null), ("cgroup_mem_max", null), ("cgroup_mem_memsw_max", null), ("cgroup_mem_swap_max", null),
        ("cgroup_mem_mount", null), ("cgroup_mem_parent", null), ("cgroup_pids_max", null), ("cgroup_pids_mount", null),
        ("cgroup_pids_parent", null), ("cgroup_net_cls_classid", null), ("cgroup_net_cls_mount", null),
        ("cgroup_net_cls_parent", null), ("cgroup_cpu_ms_per_sec", null), ("cgroup_cpu_mount", null), ("cgroup_cpu_parent", null),
        ("cgroupv2_mount", null), ("use_cgroupv2", null), ("detect_cgroupv2", null), ("iface_no_lo", null), ("iface_own", null),
        ("macvlan_iface", 'I'), ("macvlan_vs_ip", null), ("macvlan_vs_nm", null), ("macvlan_vs_gw", null), ("macvlan_vs_ma", null),
        ("macvlan_vs_mo", null), ("user_net", null), ("exec_wrapper", null),
    ];

    [Fact]
    public void EveryNsjailFlagIsOursAnAliasOrRefusedWithAReason()
    {
        foreach (var (name, shortName) in Nsjail)
        {
            if (name == "help") continue;
            var flag = FlagTable.ByName(name) ?? NsjailFlags.AliasByName(name);
            string? refused = NsjailFlags.RefusalOf(name);
            Assert.True(flag is not null ^ refused is not null, $"--{name}: ours {flag is not null}, refused {refused is not null}");
            if (shortName is { } c)
                Assert.True((flag is not null && flag.Short == c) || NsjailFlags.RefusalOf(c)?.Name == name, $"-{c} is not --{name}");
        }
        string docs = File.ReadAllText(Config.ConfigFixture.RepoFile("docs/nsjail.md"));
        Assert.All(Nsjail, f => Assert.Contains($"`--{f.Name}`", docs));
    }

    [Theory]
    [InlineData("--keep_caps", "--keep_caps: capabilities are always dropped")]
    [InlineData("--no_pivotroot", "--no_pivotroot: the sandbox's root is always entered with pivot_root")]
    [InlineData("--skip-setsid", "--skip-setsid: the command always runs in a new session")]
    [InlineData("-p", "-p (--port): (mode listen) is not supported yet")]
    public void ARefusedFlagSaysWhy(string flag, string message)
    {
        var e = Assert.Throws<SpecException>(() => ArgParser.Parse([flag, "9", "--", "x"]));
        Assert.StartsWith(message, $"{e.Origin}: {e.Message}");
    }

    [Fact]
    public void AliasesApplyOurSettings()
    {
        var b = ArgParser.Parse(["-Q", "--use_cgroupv2", "--cgroup_mem_parent", "NSJAIL", "--disable_rlimits", "--forward_signals", "-P", "p.policy", "--", "x"]).Builder;
        Assert.Equal(Verbosity.Quiet, b.Verbosity);
        Assert.Equal(CgroupVersion.V2, b.CgroupVersion);
        Assert.Equal("NSJAIL", b.CgroupParent);
        Assert.Empty(b.Rlimits);
        Assert.Equal("p.policy", b.SeccompPolicyFile);
    }

    [Fact]
    public void MountSymlinkAndProcFlagsMeanWhatNsjailsDo()
    {
        var b = ArgParser.Parse([
            "-m", "none:/scratch:tmpfs:size=8m,nr_inodes=100,mode=0700,noexec", "--mount", "none:/ro:tmpfs:ro",
            "-m", "none:/p2:proc", "-s", "/proc/self/fd:/dev/fd2", "-B", "/srv/x:/x:noexec,nodev",
            "--proc_path", "/proc", "--proc_rw", "--", "x"]).Builder;
        Assert.Equal(
        [
            new MountSpec(null, "/scratch", ReadOnly: false, TmpfsSizeBytes: 8 << 20) { TmpfsInodes = 100, TmpfsMode = 0x1C0, NoExec = true },
            new MountSpec(null, "/ro", ReadOnly: true),
            new MountSpec(null, "/p2", ReadOnly: false) { Type = MountType.Proc },
            new MountSpec("/proc/self/fd", "/dev/fd2", ReadOnly: false) { Type = MountType.Symlink },
            new MountSpec("/srv/x", "/x", ReadOnly: false) { NoExec = true, NoDev = true },
        ], b.Mounts);
        Assert.True(b.ProcReadWrite);
    }

    [Theory]
    [InlineData("-m", "/a:/b::", "'/a:/b::' names no filesystem to mount (nsjail's --mount makes no binds)")]
    [InlineData("-m", "/a:/b", "'/a:/b' is not SRC:DST:FSTYPE[:OPTIONS]")]
    [InlineData("-m", "none:/b:overlay:lowerdir=/x", "fstype 'overlay' at /b is refused")]
    [InlineData("-m", "none:/b:tmpfs:huge=always", "the mount option 'huge=always' is not supported")]
    [InlineData("-s", "/target", "'/target' is not SRC:DST")]
    [InlineData("-B", "/a:/b:size=1m", "the mount option 'size=1m' applies to a tmpfs; a bind takes none")]
    public void BadMountFlagsAreRefusedByName(string flag, string value, string message)
    {
        var e = Assert.Throws<SpecException>(() => ArgParser.Parse([flag, value, "--", "x"]));
        Assert.Contains(message, e.Message);
    }
}
