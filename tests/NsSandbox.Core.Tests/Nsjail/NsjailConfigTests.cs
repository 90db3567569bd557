using NsSandbox.Core.Plan;
using NsSandbox.Frontends;
using NsSandbox.Frontends.Nsjail;

namespace NsSandbox.Core.Tests.Nsjail;

/// <summary>An nsjail config means what it means to nsjail, or is refused by field name and line:column.</summary>
public sealed class NsjailConfigTests
{
    private static SpecBuilder Load(string text)
    {
        var b = new SpecBuilder();
        NsjailConfigLoader.ApplyText(b, text, "j.cfg");
        return b;
    }

    private static string Error(string text)
    {
        var e = Assert.Throws<SpecException>(() => Load(text).Build(commandOptional: true));
        return $"{e.Origin}: {e.Message}";
    }

    [Fact]
    public void WhatTheFileOmitsTakesNsjailsDefaults()
    {
        var spec = Load("mode: ONCE").Build(commandOptional: true);
        Assert.Null(spec.Chroot);
        Assert.Equal(("NSJAIL", "/", false), (spec.Hostname, spec.Cwd, spec.MountProc));
        Assert.Equal(TimeSpan.FromSeconds(600), spec.TimeLimit);
        ulong Limit(RlimitResource r) => spec.Rlimits.Single(x => x.Resource == r).Value;
        Assert.Equal(4096UL << 20, Limit(RlimitResource.As));
        Assert.Equal(1UL << 20, Limit(RlimitResource.Fsize));
        Assert.Equal(32UL, Limit(RlimitResource.Nofile));
        Assert.Equal(600UL, Limit(RlimitResource.Cpu));
        Assert.Equal(RlimitKind.Soft, spec.Rlimits.Single(x => x.Resource == RlimitResource.Stack).Kind);
        // Our safer defaults stay: the built-in seccomp policy, nobody.
        Assert.True(spec.Seccomp.UsesDefault);
        Assert.Equal("65534", spec.User);
    }

    [Fact]
    public void FieldsMapToTheSpec()
    {
        var spec = Load("""
            hostname: "box" cwd: "/tmp" time_limit: 0 keep_env: true envar: "A=1" envar: "B"
            rlimit_as: 64 rlimit_nofile: 100 rlimit_cpu_type: INF
            clone_newipc: false clone_newnet: false iface_no_lo: true
            cgroup_mem_max: 67108864 cgroup_mem_memsw_max: 100663296 cgroup_pids_max: 20 cgroup_cpu_ms_per_sec: 500
            mount_proc: true seccomp_string: "ALLOW { read } DEFAULT KILL" log_level: WARNING
            mount { src: "/" dst: "/" is_bind: true rw: true }
            mount { src: "/srv" dst: "/srv" is_bind: true mandatory: false }
            mount { dst: "/scratch" fstype: "tmpfs" rw: true options: "size=4m" }
            mount { dst: "/proc" fstype: "proc" }
            mount { src: "/dev/urandom" dst: "/dev/urandom" is_bind: true }
            exec_bin { path: "/bin/echo" arg: "a" arg: "b c" }
            """).Build();
        Assert.Equal(("box", "/tmp", (TimeSpan?)null), (spec.Hostname, spec.Cwd, spec.TimeLimit));
        Assert.Equal(["/bin/echo", "a", "b c"], spec.Command);
        Assert.Equal(("/", true), (spec.Chroot, spec.ReadWrite));
        Assert.Equal([new EnvEntry("A", "1"), new EnvEntry("B", null)], spec.Env.Entries);
        Assert.True(spec.Env.KeepAll);
        Assert.Equal(64UL << 20, spec.Rlimits.Single(r => r.Resource == RlimitResource.As).Value);
        Assert.Equal(RlimitKind.Infinity, spec.Rlimits.Single(r => r.Resource == RlimitResource.Cpu).Kind);
        Assert.False(spec.Namespaces.HasFlag(Namespaces.Ipc));
        Assert.Equal(NetMode.Host, spec.Net.Mode);
        Assert.True(spec.Net.LoopbackUp); // iface_no_lo means nothing with the host's network, as in nsjail
        Assert.Equal((64UL << 20, 32UL << 20, 20UL, 500u), (spec.Cgroup.Limits.MemoryMax!.Value, spec.Cgroup.Limits.MemorySwapMax!.Value,
            spec.Cgroup.Limits.PidsMax!.Value, spec.Cgroup.Limits.CpuMsPerSec!.Value));
        Assert.True(spec.MountProc);
        Assert.Equal(Verbosity.Quiet, spec.Verbosity);
        Assert.Equal(
        [
            new MountSpec("/srv", "/srv", ReadOnly: true, Optional: true),
            new MountSpec(null, "/scratch", ReadOnly: false, TmpfsSizeBytes: 4 << 20),
        ], spec.Mounts);
    }

    [Fact]
    public void MountFieldsAndOptionsMapToTheSpec()
    {
        Environment.SetEnvironmentVariable("NSS_TEST_PREFIX", "/srv");
        var spec = Load("""
            mount { prefix_src_env: "NSS_TEST_PREFIX" src: "/in" prefix_dst_env: "NSS_TEST_PREFIX" dst: "/in" is_bind: true noexec: true nodev: true is_dir: true }
            mount { prefix_src_env: "NSS_TEST_UNSET_VARIABLE" src: "/x" dst: "/x" is_bind: true mandatory: false }
            mount { dst: "/t" fstype: "tmpfs" rw: true options: "size=1m,nr_inodes=10,mode=700,uid=0,gid=0,noexec" }
            mount { dst: "/ro" fstype: "tmpfs" }
            mount { dst: "/rw-by-option" fstype: "tmpfs" options: "rw" }
            mount { src: "/usr/bin" dst: "/bin2" is_symlink: true }
            mount { dst: "/p" fstype: "proc" rw: true }
            mount { dst: "/proc" fstype: "proc" rw: true }
            mount { dst: "/etc/x" src_content: "x" noexec: true }
            """).Build(commandOptional: true);
        Assert.Equal(
        [
            new MountSpec("/srv/in", "/srv/in", ReadOnly: true) { NoExec = true, NoDev = true, IsDirectory = true },
            new MountSpec(null, "/t", ReadOnly: false, TmpfsSizeBytes: 1 << 20) { TmpfsInodes = 10, TmpfsMode = 0x1C0, TmpfsUid = 0, TmpfsGid = 0, NoExec = true },
            // nsjail's rw is false unless given: a tmpfs without it is read-only (its options' rw wins).
            new MountSpec(null, "/ro", ReadOnly: true, TmpfsSizeBytes: Defaults.TmpSizeBytes),
            new MountSpec(null, "/rw-by-option", ReadOnly: false, TmpfsSizeBytes: Defaults.TmpSizeBytes),
            new MountSpec("/usr/bin", "/bin2", ReadOnly: false) { Type = MountType.Symlink },
            new MountSpec(null, "/p", ReadOnly: false) { Type = MountType.Proc },
            new MountSpec(null, "/etc/x", ReadOnly: true, Content: "x") { NoExec = true },
        ], spec.Mounts);
        Assert.True(spec.MountProc && spec.ProcReadWrite);
    }

    [Theory]
    [InlineData("keep_caps: true", "j.cfg:1:1: keep_caps: capabilities are always dropped")]
    [InlineData("\n  hostnme: \"x\"", "j.cfg:2:3: hostnme: is not a field of nsjail's configuration; did you mean hostname?")]
    [InlineData("cwd: \"/a\" cwd: \"/b\"", "j.cfg:1:11: cwd: is given twice; it is not a repeated field")]
    [InlineData("time_limit: \"5\"", "j.cfg:1:1: time_limit: expects a whole number from 0 to 4294967295, not \"5\"")]
    [InlineData("mount { src: \"/x\" dst: \"/x\" is_bind: true options: \"size=5\" }", "j.cfg:1:1: mount: the mount option 'size=5' applies to a tmpfs; a bind takes none (the kernel would ignore it)")]
    [InlineData("mount { dst: \"/t\" fstype: \"tmpfs\" options: \"nr_inodes=5,huge=always\" }", "j.cfg:1:1: mount: the mount option 'huge=always' is not supported (docs/nsjail.md lists those that are)")]
    [InlineData("mount { dst: \"/t\" fstype: \"tmpfs\" options: \"suid\" }", "the mount option 'suid' is refused: every mount of the sandbox is nosuid")]
    [InlineData("mount { dst: \"/t\" fstype: \"tmpfs\" options: \"dev\" }", "the mount option 'dev' is refused: a tmpfs of the sandbox is always nodev")]
    [InlineData("mount { dst: \"/p\" fstype: \"proc\" options: \"exec\" }", "the mount option 'exec' is refused: a proc of the sandbox is always noexec")]
    [InlineData("mount { dst: \"/t\" fstype: \"tmpfs\" options: \"mode=8\" }", "the mount option 'mode=8' needs permission bits in octal (like 0755)")]
    [InlineData("mount { dst: \"/t\" src: \"x\" is_symlink: true is_dir: true }", "is_dir is true, but a symlink is not a directory")]
    [InlineData("mount { dst: \"/t\" src_content: \"x\" rw: true }", "a file made from src_content is always read-only here; leave out rw: true")]
    [InlineData("port: 8000", "j.cfg:1:1: port: applies to mode listen (-Ml); the mode is once")]
    [InlineData("mode: RERUN max_conns_per_ip: 1", "j.cfg:1:13: max_conns_per_ip: applies to mode listen (-Ml); the mode is rerun")]
    [InlineData("mode: LISTEN port: 70000", "j.cfg:1:14: port: expects a whole number from 0 to 65535")]
    [InlineData("mount { src: \"/dev/zero\" dst: \"/dev/null\" is_bind: true }", "cannot bind /dev/zero over /dev/null")]
    [InlineData("mount { dst: \"/dev\" fstype: \"tmpfs\" } mount { dst: \"/dev\" fstype: \"tmpfs\" }", "j.cfg:1:39: mount: /dev is replaced twice")]
    [InlineData("mount { dst: \"/m\" fstype: \"mqueue\" }", "fstype 'mqueue' at /m is refused: the filesystems mounted here are tmpfs, proc and sysfs at /sys")]
    [InlineData("uidmap { inside_id: \"0\" use_newidmap: true }", "j.cfg:1:25: use_newidmap: (newuidmap and newgidmap) is not used: as root the launcher writes any map itself")]
    [InlineData("gidmap { inside_id: \"0\" outside_gid: \"5\" }", "j.cfg:1:25: outside_gid: is not a field of nsjail's configuration; did you mean outside_id?")]
    [InlineData("cgroup_mem_max: 1048576 cgroup_mem_memsw_max: 2097152 cgroup_mem_swap_max: 0", "cgroup_mem_memsw_max: cannot be combined with a swap limit")]
    [InlineData("cgroup_mem_max: 2097152 cgroup_mem_memsw_max: 1048576", "cgroup_mem_memsw_max: 1048576 bytes of memory+swap is less than the memory limit (2097152)")]
    [InlineData("cgroup_mem_swap_max: -2", "cgroup_mem_swap_max: expects bytes, or -1 for no swap limit, not -2")]
    [InlineData("exec_bin { arg: \"x\" }", "j.cfg:1:10: exec_bin: needs a path")]
    [InlineData("mount: \"x\"", "j.cfg:1:1: mount: expects a message in braces, not \"x\"")]
    [InlineData("port: 0 bindhost: \"::\" cgroup_mem_parent: \"NSJAIL\" persona_mmap_page_zero: false\nport: 9", "j.cfg:2:1: port: is given twice")]
    public void RefusalsNameTheFieldAndWhy(string text, string expected) => Assert.Contains(expected, Error(text));

    [Fact]
    public void ListenAndRerunConfigsSelectTheirModeWithNsjailsSettings()
    {
        var b = Load("mode: LISTEN port: 31337 bindhost: \"127.0.0.1\" max_conns: 10 max_conns_per_ip: 2 log_file: \"/tmp/jail.log\"");
        var spec = b.Build(commandOptional: true);
        Assert.Equal(RunMode.Listen, b.Mode);
        Assert.Equal(new ListenSpec { Port = 31337, BindHost = System.Net.IPAddress.Loopback, MaxConns = 10, MaxConnsPerIp = 2 }, b.BuildListen());
        Assert.Equal("/tmp/jail.log", spec.LogFile);
        // Without a port, as in nsjail, the kernel chooses one; the default bindhost is both families.
        var defaults = Load("mode: LISTEN");
        Assert.Equal(new ListenSpec { Port = 0, BindHost = System.Net.IPAddress.IPv6Any }, defaults.BuildListen());
        var rerun = Load("mode: RERUN");
        rerun.Build(commandOptional: true);
        Assert.Equal(RunMode.Rerun, rerun.Mode);
        Assert.Null(rerun.BuildListen());
    }

    [Fact]
    public void AListenConfigRunOnceByAFlagDropsItsListenSettings()
    {
        var b = Load("mode: LISTEN port: 31337 max_conns: 10");
        b.Mode = RunMode.Once;
        b.NoteOrigin("mode", "-Mo");
        Assert.Equal(RunMode.Once, b.Mode);
        b.Build(commandOptional: true);
        Assert.Null(b.BuildListen());
    }

    [Fact]
    public void RefusedFieldsAtNsjailsDefaultsMeanNothingAndPass() =>
        Load("port: 0 bindhost: \"::\" max_cpus: 0 daemon: false keep_caps: false cgroup_mem_parent: \"NSJAIL\" " +
             "cgroup_mem_mount: \"/sys/fs/cgroup/memory\" macvlan_vs_mo: \"private\" rlimit_memlock_type: SOFT clone_newtime: false").Build(commandOptional: true);

    [Fact]
    public void ProcessAndIdentityFieldsMapToTheSpec()
    {
        var spec = Load("""
            uidmap { inside_id: "1000" outside_id: "4242" } uidmap { inside_id: "0" outside_id: "100000" count: 0 }
            gidmap { inside_id: "" outside_id: "" count: 1 use_newidmap: false }
            nice_level: 40 max_cpus: 2 log_fd: 7 silent: false stderr_to_null: true disable_tsc: true
            persona_mmap_page_zero: true persona_read_implies_exec: false
            rlimit_memlock: 32 rlimit_memlock_type: VALUE rlimit_rtprio_type: VALUE rlimit_rtprio: 5 rlimit_msgqueue: 100 rlimit_msgqueue_type: VALUE
            cgroup_mem_max: 1048576 cgroup_mem_swap_max: -1
            exec_bin { path: "/bin/busybox" arg0: "sh" arg: "-c" arg: "true" }
            """).Build();
        Assert.Equal("1000", spec.User); // the first mapping's inside id, as nsjail runs it
        Assert.Equal([("1000", "4242", 1u), ("0", "100000", 1u)], spec.UidMaps.Select(m => (m.Inside, m.Outside, m.Count)));
        Assert.Equal([("", (string?)null, 1u)], spec.GidMaps.Select(m => (m.Inside, m.Outside, m.Count)));
        Assert.Equal(new ProcessSpec
        {
            NiceLevel = 19, MaxCpus = 2, StderrToNull = true, DisableTsc = true, Personality = Persona.MmapPageZero, ExecFile = "/bin/busybox",
        }, spec.Process);
        Assert.Equal(["sh", "-c", "true"], spec.Command);
        Assert.Equal((null, 7), (spec.LogFile, spec.LogFd));
        ulong Limit(RlimitResource r) => spec.Rlimits.Single(x => x.Resource == r).Value;
        Assert.Equal((32UL << 10, 5UL, 100UL), (Limit(RlimitResource.Memlock), Limit(RlimitResource.Rtprio), Limit(RlimitResource.Msgqueue)));
        Assert.Equal(CgroupLimits.UnlimitedSwap, spec.Cgroup.Limits.MemorySwapMax);
        // Left out, nsjail's defaults: the launcher's soft limits.
        var defaults = Load("mode: ONCE").Build(commandOptional: true);
        Assert.All(new[] { RlimitResource.Memlock, RlimitResource.Rtprio, RlimitResource.Msgqueue },
            r => Assert.Equal(RlimitKind.Soft, defaults.Rlimits.Single(x => x.Resource == r).Kind));
        Assert.Null(defaults.Process.NiceLevel); // nsjail's 19 only under its own name
    }

    [Fact]
    public void NsjailsMemoryPlusSwapIsTheSwapLimitBesidesMemory()
    {
        var spec = Load("cgroup_mem_max: 1048576 cgroup_mem_memsw_max: 3145728").Build(commandOptional: true);
        Assert.Equal((1UL << 20, 2UL << 20), (spec.Cgroup.Limits.MemoryMax, spec.Cgroup.Limits.MemorySwapMax));
        Assert.Null(Load("cgroup_mem_swap_max: -1").Build(commandOptional: true).Cgroup.Limits.MemorySwapMax);
    }

    [Fact]
    public void EveryFieldOfConfigProtoIsKnown()
    {
        // NsJailConfig's fields as nsjail's current config.proto lists them.
        string[] proto =
        [
            "name", "description", "mode", "hostname", "cwd", "no_pivotroot", "port", "bindhost", "max_conns", "max_conns_per_ip",
            "time_limit", "daemon", "max_cpus", "nice_level", "log_fd", "log_file", "log_level", "keep_env", "envar", "keep_caps",
            "cap", "silent", "skip_setsid", "stderr_to_null", "pass_fd", "disable_no_new_privs", "forward_signals", "disable_tsc",
            "rlimit_as", "rlimit_as_type", "rlimit_core", "rlimit_core_type", "rlimit_cpu", "rlimit_cpu_type", "rlimit_fsize",
            "rlimit_fsize_type", "rlimit_nofile", "rlimit_nofile_type", "rlimit_nproc", "rlimit_nproc_type", "rlimit_stack",
            "rlimit_stack_type", "rlimit_memlock", "rlimit_memlock_type", "rlimit_rtprio", "rlimit_rtprio_type", "rlimit_msgqueue",
            "rlimit_msgqueue_type", "disable_rl", "persona_addr_compat_layout", "persona_mmap_page_zero", "persona_read_implies_exec",
            "persona_addr_limit_3gb", "persona_addr_no_randomize", "clone_newnet", "clone_newuser", "clone_newns", "clone_newpid",
            "clone_newipc", "clone_newuts", "clone_newcgroup", "clone_newtime", "uidmap", "gidmap", "mount_proc", "mount",
            "seccomp_policy_file", "seccomp_string", "seccomp_log", "cgroup_mem_max", "cgroup_mem_memsw_max", "cgroup_mem_swap_max",
            "cgroup_mem_mount", "cgroup_mem_parent", "cgroup_pids_max", "cgroup_pids_mount", "cgroup_pids_parent",
            "cgroup_net_cls_classid", "cgroup_net_cls_mount", "cgroup_net_cls_parent", "cgroup_cpu_ms_per_sec", "cgroup_cpu_mount",
            "cgroup_cpu_parent", "cgroupv2_mount", "use_cgroupv2", "detect_cgroupv2", "iface_no_lo", "iface_own", "macvlan_iface",
            "macvlan_vs_ip", "macvlan_vs_nm", "macvlan_vs_gw", "macvlan_vs_ma", "macvlan_vs_mo", "user_net", "exec_bin",
            // Older configs' deprecated root fields.
            "chroot_dir", "is_root_rw",
        ];
        Assert.Empty(proto.Except(NsjailFields.Config.Keys));
        Assert.Empty(NsjailFields.Config.Keys.Except(proto));
        string docs = File.ReadAllText(Config.ConfigFixture.RepoFile("docs/nsjail.md"));
        Assert.All(proto, field => Assert.Contains($"`{field}`", docs));
    }

    [Fact]
    public void AnImportedConfigLoadsBackToTheSameSpec()
    {
        string file = Path.Combine(Path.GetTempPath(), $"nss-nsjail-test-{Guid.NewGuid():N}.cfg");
        File.WriteAllText(file, """
            mode: ONCE hostname: "box" rlimit_as: 64 rlimit_stack_type: HARD clone_newipc: false
            mount { src: "/usr" dst: "/usr" is_bind: true } mount { src: "/opt/x" dst: "/x" is_bind: true rw: true mandatory: false }
            mount { dst: "/scratch" fstype: "tmpfs" options: "size=4m,nr_inodes=8,mode=0750,noexec" }
            mount { dst: "/ro" fstype: "tmpfs" }
            mount { dst: "/etc/motd" src_content: "hello\n\"there\"" nodev: true }
            mount { src: "/usr/bin" dst: "/bin2" is_symlink: true mandatory: false }
            mount { dst: "/p" fstype: "proc" }
            mount { src: "/srv" dst: "/srv" is_bind: true is_dir: true noexec: true }
            mount_proc: true
            uidmap { inside_id: "0" outside_id: "100000" count: 1000 } uidmap { inside_id: "5000" outside_id: "200000" }
            gidmap { inside_id: "0" outside_id: "100000" count: 1000 }
            nice_level: -3 max_cpus: 1 disable_tsc: true persona_addr_no_randomize: true silent: true log_file: "/tmp/j.log"
            rlimit_memlock: 128 rlimit_msgqueue_type: INF cgroup_mem_max: 1073741824 cgroup_mem_memsw_max: 2147483648
            exec_bin { path: "/bin/busybox" arg0: "true" }
            """);
        try
        {
            var imported = Frontends.Toml.EffectiveConfig.Of(file, [], "usage");
            string toml = Frontends.Toml.ConfigWriter.Write(imported);
            Assert.Contains("chroot = \"\"", toml);
            Assert.Contains("uid-mapping = [\"0:100000:1000\", \"5000:200000:1\"]", toml);
            Assert.Contains("exec-file = \"/bin/busybox\"", toml);
            Assert.Contains("cgroup-mem-swap-max = \"1G\"", toml);
            Assert.Equal(Config.ConfigFixture.Dump(imported), Config.ConfigFixture.Dump(Config.ConfigFixture.EffectiveFromToml(toml)));
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void ThePythonProfileInNsjailsFormatMatchesTheTomlOne()
    {
        var cfg = Frontends.Toml.EffectiveConfig.Of(Config.ConfigFixture.RepoFile("configs/python.cfg"), [], "usage").Spec;
        var toml = Frontends.Toml.EffectiveConfig.Of(Config.ConfigFixture.RepoFile("configs/python.toml"), [], "usage").Spec;
        Planner.Check(cfg, new RealHostView());
        Assert.Equal((toml.Chroot, toml.Cwd, toml.Hostname, toml.TimeLimit, toml.Cgroup.Limits), (cfg.Chroot, cfg.Cwd, cfg.Hostname, cfg.TimeLimit, cfg.Cgroup.Limits));
        Assert.Equal(toml.Seccomp.PolicyFile, cfg.Seccomp.PolicyFile);
        Assert.Equal(toml.Env.Entries, cfg.Env.Entries);
        Assert.Equal(8UL << 30, cfg.Rlimits.Single(r => r.Resource == RlimitResource.Fsize).Value);
        Assert.Equal(NetMode.None, cfg.Net.Mode); // nsjail's format has no egress
    }

    [Theory]
    [InlineData("# nsjail\nname: \"x\"", ConfigFile.Format.Nsjail)]
    [InlineData("mount {\n}", ConfigFile.Format.Nsjail)]
    [InlineData("\n# a comment: with a colon\n[exec]\npath = \"/bin/true\"", ConfigFile.Format.Toml)]
    [InlineData("chroot = \"/\"", ConfigFile.Format.Toml)]
    public void TheFormatIsToldByContent(string text, ConfigFile.Format format) => Assert.Equal(format, ConfigFile.Detect(text));

    [Fact]
    public void AnEmptyRootResolvesNamesInTheHostsPasswdAndPlansOnlyItsMounts()
    {
        var host = new FakeHost();
        host.Files["/etc/passwd"] = ["app:x:1234:1234::/:/bin/sh"];
        host.Files["/etc/group"] = ["app:x:1234:"];
        var b = Load("mount { src: \"/srv/dir\" dst: \"/lib\" is_bind: true }\nexec_bin { path: \"/lib/x\" }");
        b.User = "app";
        b.Group = "app";
        var plan = Planner.Create(b.Build() with { StateDir = "/s" }, host, PlanOptions.Once);
        Assert.Equal(1234u, plan.Stage2.Uid);
        var clones = plan.Stage2.MountOps.Where(o => o.Kind == MountOpKind.CloneTree).Select(o => o.Source).ToList();
        Assert.DoesNotContain("/etc", clones);
        Assert.Contains("/srv/dir", clones);
        Assert.Null(plan.ReportSandbox.Chroot);
    }
}
