using NsSandbox.Frontends.Cli;
using NsSandbox.Frontends.Toml;
using static NsSandbox.Core.Tests.Config.ConfigFixture;

namespace NsSandbox.Core.Tests.Config;

/// <summary>The file's keys and the flags cannot drift apart: every flag has a key, and each key changes the
/// spec (and the mode and its settings) exactly as its flag does.</summary>
public sealed class ConfigKeyTests
{
    [Fact]
    public void EveryFlagHasAKey() =>
        Assert.True(!ConfigKeys.Unmapped.Any(),
            "flags with no configuration key (add them to ConfigKeys): " + string.Join(", ", ConfigKeys.Unmapped.Select(f => "--" + f.Name)));

    [Fact]
    public void KeysAreTheFlagsNamesInKebabCase() =>
        Assert.All(ConfigKeys.All.Where(k => !ConfigKeys.ShortNames.ContainsKey(k.Flag.Name)),
            k => Assert.Equal(k.Flag.Name, k.Name.Replace('-', '_')));

    [Fact]
    public void ShortNamesDropTheSectionFromTheFlagsName() =>
        Assert.All(ConfigKeys.All.Where(k => ConfigKeys.ShortNames.ContainsKey(k.Flag.Name)), k =>
            Assert.Equal(k.Flag.Name, k.Name == "mode" ? k.Section : k.Section + "_" + k.Name.Replace('-', '_')));

    [Fact]
    public void NoTwoKeysShareAPath() =>
        Assert.Equal(ConfigKeys.All.Count, ConfigKeys.All.Select(k => k.Path).Distinct().Count());

    [Fact]
    public void SwitchesAreBooleansAndRepeatableFlagsAreArrays() =>
        Assert.All(ConfigKeys.All, k =>
        {
            Assert.Equal(!k.Flag.TakesValue, k.Type == ConfigType.Switch);
            Assert.Equal(k.Flag.Help.Contains("(repeatable)"), k.Type == ConfigType.List);
        });

    /// <summary>(key, a file setting it, the flags that mean the same). The file and the flags must give the
    /// same spec, or the same error; and the spec must differ from the default, so that the row tests something.</summary>
    public static TheoryData<string, string, string[]> Rows()
    {
        var rows = new TheoryData<string, string, string[]>
        {
            { "exec.path", "[exec]\npath = \"/bin/echo\"", ["--", "/bin/echo"] },
            { "exec.args", "[exec]\npath = \"/bin/echo\"\nargs = [\"a\", \"b c\"]", ["--", "/bin/echo", "a", "b c"] },
            { "exec.mode", "[exec]\nmode = \"execve\"\n[fs]\ndisable-proc = true", ["-Me", "--disable_proc"] },
            { "exec.mode", "[exec]\nmode = \"e\"\n[fs]\ndisable-proc = true", ["--mode=e", "--disable_proc"] },
            { "exec.mode", "[exec]\nmode = \"listen\"", ["-Ml"] },
            { "exec.mode", "[exec]\nmode = \"r\"", ["--mode", "rerun"] },
            { "listen.port", "[listen]\nport = 9000", ["--port", "9000"] },
            { "listen.port", "[listen]\nport = 65536", ["--port", "65536"] },
            { "listen.bindhost", "[exec]\nmode = \"listen\"\n[listen]\nbindhost = \"127.0.0.1\"", ["-Ml", "--bindhost", "127.0.0.1"] },
            { "listen.bindhost", "[listen]\nbindhost = \"::1\"", ["--bindhost", "::1"] },
            { "listen.max-conns", "[listen]\nport = 1\nmax-conns = 5", ["-p", "1", "--max_conns", "5"] },
            { "listen.max-conns-per-ip", "[exec]\nmode = \"l\"\n[listen]\nmax-conns-per-ip = 2", ["-Ml", "-i", "2"] },
            { "exec.cwd", "[exec]\ncwd = \"/tmp\"", ["--cwd", "/tmp"] },
            { "exec.hostname", "[exec]\nhostname = \"box\"", ["-H", "box"] },
            { "user.user", "[user]\nuser = 1000", ["-u", "1000"] },
            { "user.user", "[user]\nuser = \"root\"", ["--user", "root"] },
            { "user.group", "[user]\ngroup = 100", ["-g", "100"] },
            { "user.user", "[user]\nuser = \"1000:4242\"", ["-u", "1000:4242"] },
            { "user.uid-mapping", "[user]\nuid-mapping = [\"0:100000:1000\", \"root::1\"]", ["-U", "0:100000:1000", "--uid_mapping", "root::1"] },
            { "user.gid-mapping", "[user]\ngid-mapping = [\"0:100000:1000\"]", ["-G", "0:100000:1000"] },
            { "exec.exec-file", "[exec]\nexec-file = \"/bin/busybox\"", ["-x", "/bin/busybox"] },
            { "exec.execute-fd", "[exec]\nexecute-fd = true", ["--execute_fd"] },
            { "exec.silent", "[exec]\nsilent = true", ["--silent"] },
            { "exec.stderr-to-null", "[exec]\nstderr-to-null = true", ["--stderr_to_null"] },
            { "process.nice-level", "[process]\nnice-level = -5", ["--nice_level", "-5"] },
            { "process.nice-level", "[process]\nnice-level = 19", ["--nice_level=19"] },
            { "process.nice-level", "[process]\nnice-level = 20", ["--nice_level=20"] },
            { "process.max-cpus", "[process]\nmax-cpus = 1", ["--max_cpus", "1"] },
            { "process.disable-tsc", "[process]\ndisable-tsc = true", ["--disable_tsc"] },
            { "cgroup.cgroup-mem-memsw-max", "[cgroup]\ncgroup-mem-max = \"1G\"\ncgroup-mem-memsw-max = \"3G\"",
                ["--cgroup_mem_max", "1G", "--cgroup_mem_memsw_max", "3G"] },
            { "cgroup.cgroup-mem-swap-max", "[cgroup]\ncgroup-mem-max = \"1G\"\ncgroup-mem-swap-max = \"max\"", ["--cgroup_mem_max", "1G", "--cgroup_mem_swap_max", "-1"] },
            { "launcher.log", "[launcher]\nlog = \"/var/log/jail.log\"", ["--log", "/var/log/jail.log"] },
            { "launcher.log-fd", "[launcher]\nlog-fd = 5", ["-L", "5"] },
            { "fs.chroot", "[fs]\nchroot = \"/usr\"", ["--chroot", "/usr"] },
            { "fs.rw", "[fs]\nrw = true", ["--rw"] },
            { "fs.disable-proc", "[fs]\ndisable-proc = true", ["--disable_proc"] },
            { "fs.proc-path", "[fs]\nproc-path = \"/p\"", ["--proc_path", "/p"] },
            { "fs.proc-rw", "[fs]\nproc-rw = true", ["--proc_rw"] },
            { "fs.tmp-size", "[fs]\ntmp-size = \"1G\"", ["--tmp_size", "1G"] },
            { "fs.tmp-size", "[fs]\ntmp-size = 1048576", ["--tmp_size", "1048576"] },
            { "fs.data", "[fs]\ndata = \"/tmp\"", ["--data", "/tmp"] },
            { "fs.keep-data", "[fs]\nkeep-data = true", ["--keep_data"] },
            { "fs.bindmount-ro", "[fs]\nbindmount-ro = [\"/etc:/x\", \"/usr\"]", ["-R", "/etc:/x", "-R", "/usr"] },
            { "fs.bindmount", "[fs]\nbindmount = [\"/tmp:/y\"]", ["--bindmount", "/tmp:/y"] },
            { "fs.tmpfsmount", "[fs]\ntmpfsmount = [\"/z\"]\ntmp-size = \"1M\"", ["-T", "/z", "--tmp_size", "1M"] },
            { "fs.mount", "[[fs.mount]]\nsrc = \"/etc\"\ndst = \"/x\"\n[[fs.mount]]\ntype = \"bind\"\nsrc = \"/tmp\"\nrw = true\n[[fs.mount]]\ntype = \"tmpfs\"\ndst = \"/t\"",
                ["-R", "/etc:/x", "-B", "/tmp", "-T", "/t"] },
            { "fs.mount", "[fs]\nmount = [{ src = \"/etc\", dst = \"/x\" }, { type = \"tmpfs\", dst = \"/t\" }]", ["-R", "/etc:/x", "-T", "/t"] },
            { "limits.time-limit", "[limits]\ntime-limit = 30", ["-t", "30"] },
            { "limits.time-limit", "[limits]\ntime-limit = 1.5", ["-t", "1.5"] },
            { "limits.time-limit", "[limits]\ntime-limit = \"500ms\"", ["--time_limit=500ms"] },
            { "cgroup.cgroup-mem-max", "[cgroup]\ncgroup-mem-max = \"1G\"", ["--cgroup_mem_max", "1G"] },
            { "cgroup.cgroup-mem-swap-max", "[cgroup]\ncgroup-mem-max = \"1G\"\ncgroup-mem-swap-max = \"512M\"", ["--cgroup_mem_max", "1G", "--cgroup_mem_swap_max", "512M"] },
            { "cgroup.cgroup-pids-max", "[cgroup]\ncgroup-pids-max = 16", ["--cgroup_pids_max", "16"] },
            { "cgroup.cgroup-cpu-ms-per-sec", "[cgroup]\ncgroup-cpu-ms-per-sec = 200", ["--cgroup_cpu_ms_per_sec", "200"] },
            { "cgroup.cgroup-version", "[cgroup]\ncgroup-version = \"1\"", ["--cgroup_version", "1"] },
            { "cgroup.cgroup-parent", "[cgroup]\ncgroup-parent = \"/sandboxes\"\ncgroup-pids-max = 8", ["--cgroup_parent", "/sandboxes", "--cgroup_pids_max", "8"] },
            { "cgroup.cgroupv2-mount", "[cgroup]\ncgroupv2-mount = \"/sys/fs/cgroup\"\ncgroup-pids-max = 8", ["--cgroupv2_mount", "/sys/fs/cgroup", "--cgroup_pids_max", "8"] },
            { "env.env", "[env]\nenv = [\"A=1\", \"HOME\", \"B=x=y\"]", ["-E", "A=1", "--env", "HOME", "-E", "B=x=y"] },
            { "env.keep-env", "[env]\nkeep-env = true", ["-e"] },
            { "launcher.quiet", "[launcher]\nquiet = true", ["-q"] },
            { "launcher.verbose", "[launcher]\nverbose = true", ["-v"] },
            { "launcher.state-dir", "[launcher]\nstate-dir = \"/srv/state\"", ["--state_dir", "/srv/state"] },
            { "launcher.trace-timing", "[launcher]\ntrace-timing = true", ["--trace_timing"] },
            { "report.report", "[report]\nreport = \"run.json\"", ["--report", "run.json"] },
            { "report.report-dir", "[report]\nreport-dir = \"/tmp\"", ["--report_dir", "/tmp"] },
            { "launcher.log", "[launcher]\nlog = \"/tmp/launcher.log\"", ["--log", "/tmp/launcher.log"] },
            { "net.mode", "[net]\nmode = \"host\"", ["--net", "host"] },
            { "net.mode", "[net]\nmode = \"egress\"", ["--net=egress"] },
            { "net.mode", "[net]\nmode = \"wifi\"", ["--net=wifi"] },
            { "net.iface-no-lo", "[net]\niface-no-lo = true", ["--iface_no_lo"] },
            { "net.deny", "[net]\nmode = \"egress\"\ndeny = [\"203.0.113.0/24\", \"2001:db8::1\"]",
                ["--net", "egress", "--net_deny", "203.0.113.0/24", "--net_deny", "2001:db8::1"] },
            { "net.deny", "[net]\ndeny = [\"203.0.113.0/24\"]", ["--net_deny", "203.0.113.0/24"] },
            { "net.allow", "[net]\nmode = \"egress\"\nallow = [\"10.1.0.0/16\"]", ["--net", "egress", "--net_allow", "10.1.0.0/16"] },
            { "net.forward", "[net]\nmode = \"egress\"\nforward = [\"8080:80\", \"8443:443\"]",
                ["--net", "egress", "--net_forward", "8080:80", "--net_forward", "8443:443"] },
            { "net.allow-host", "[net]\nmode = \"egress\"\nallow-host = [\"pypi.org\", \"*.example.org:443\"]",
                ["--net", "egress", "--net_allow_host", "pypi.org", "--net_allow_host", "*.example.org:443"] },
            { "net.allow-host", "[net]\nmode = \"egress\"\nallow-host = [\"10.0.0.1\"]", ["--net", "egress", "--net_allow_host", "10.0.0.1"] },
            { "net.only", "[net]\nmode = \"egress\"\nonly = true", ["--net", "egress", "--net_only"] },
            { "net.only", "[net]\nonly = true", ["--net_only"] },
            { "net.min-ttl", "[net]\nmode = \"egress\"\nmin-ttl = \"2m\"", ["--net", "egress", "--net_min_ttl", "120"] },
            { "net.min-ttl", "[net]\nmode = \"egress\"\nmin-ttl = 0.5", ["--net", "egress", "--net_min_ttl", "0.5"] },
            { "net.macvlan-iface", "[net]\nmacvlan-iface = \"eth0\"", ["--macvlan_iface", "eth0"] },
            { "net.macvlan-vs-ip", "[net]\nmacvlan-iface = \"eth0\"\nmacvlan-vs-ip = \"198.51.100.7\"", ["--macvlan_iface", "eth0", "--macvlan_vs_ip", "198.51.100.7"] },
            { "net.macvlan-vs-nm", "[net]\nmode = \"macvlan\"\nmacvlan-iface = \"eth0\"\nmacvlan-vs-nm = \"255.255.0.0\"",
                ["--net", "macvlan", "--macvlan_iface", "eth0", "--macvlan_vs_nm", "255.255.0.0"] },
            { "net.macvlan-vs-gw", "[net]\nmacvlan-iface = \"eth0\"\nmacvlan-vs-gw = \"0.0.0.0\"", ["--macvlan_iface", "eth0", "--macvlan_vs_gw", "0.0.0.0"] },
            { "net.macvlan-vs-ma", "[net]\nmacvlan-iface = \"eth0\"\nmacvlan-vs-ma = \"02:00:00:00:00:01\"", ["--macvlan_iface", "eth0", "--macvlan_vs_ma", "02:00:00:00:00:01"] },
            { "seccomp.seccomp-policy", "[seccomp]\nseccomp-policy = \"/srv/job.policy\"", ["--seccomp_policy", "/srv/job.policy"] },
            { "seccomp.seccomp-string", "[seccomp]\nseccomp-string = [\"POLICY p { ALLOW { read } }\", \"USE p DEFAULT KILL\"]",
                ["--seccomp_string", "POLICY p { ALLOW { read } }", "--seccomp_string", "USE p DEFAULT KILL"] },
            { "seccomp.seccomp-oci", "[seccomp]\nseccomp-oci = \"/srv/profile.json\"", ["--seccomp_oci", "/srv/profile.json"] },
            { "seccomp.seccomp-log", "[seccomp]\nseccomp-log = true", ["--seccomp_log"] },
            { "seccomp.disable-seccomp", "[seccomp]\ndisable-seccomp = true", ["--disable_seccomp"] },
            { "seccomp.disable-seccomp", "[seccomp]\ndisable-seccomp = true\nseccomp-log = true", ["--disable_seccomp", "--seccomp_log"] },
        };
        foreach (var (name, _, unit, _) in FlagTable.Rlimits)
        {
            rows.Add("limits.rlimit-" + name, $"[limits]\nrlimit-{name} = 7", ["--rlimit_" + name, "7"]);
            rows.Add("limits.rlimit-" + name, $"[limits]\nrlimit-{name} = \"inf\"", ["--rlimit_" + name, "inf"]);
            if (unit > 1) rows.Add("limits.rlimit-" + name, $"[limits]\nrlimit-{name} = \"8G\"", ["--rlimit_" + name, "8G"]);
        }
        foreach (var (name, _, _) in ProcessFlags.Personas)
            rows.Add("process." + name.Replace('_', '-'), $"[process]\n{name.Replace('_', '-')} = true", ["--" + name]);
        foreach (var (name, _) in FlagTable.NamespaceFlags)
        {
            var key = ConfigKeys.All.Single(k => k.Flag.Name == "disable_clone_new" + name);
            // Without a pid namespace there is no fresh /proc either.
            string extra = name == "pid" ? "\n[fs]\ndisable-proc = true" : "";
            rows.Add(key.Path, $"[{key.Section}]\n{key.Name} = true{extra}",
                name == "pid" ? ["--" + key.Flag.Name, "--disable_proc"] : ["--" + key.Flag.Name]);
        }
        return rows;
    }

    [Theory]
    [MemberData(nameof(Rows))]
    public void EachKeyChangesTheSpecExactlyAsItsFlagDoes(string key, string toml, string[] flags)
    {
        Assert.Contains(key, Covered);
        EffectiveConfig? fromFile = null, fromFlags = null;
        var fileError = Record.Exception(() => fromFile = EffectiveFromToml(toml));
        var flagError = Record.Exception(() => fromFlags = EffectiveFromFlags(flags));
        if (fileError is not null || flagError is not null)
        {
            // The same refusal (--disable_clone_newns, say), from the key instead of the flag.
            Assert.Equal(flagError?.Message, fileError?.Message);
            return;
        }
        Assert.Equal(Dump(fromFlags!), Dump(fromFile!));
        Assert.NotEqual(Dump(EffectiveFromFlags()), Dump(fromFile!));
    }

    private static readonly HashSet<string> Covered =
        ConfigKeys.All.Select(k => k.Path).Concat(ConfigLoader.ExecPaths).Append(ConfigSyntax.MountPath).ToHashSet();

    [Fact]
    public void TheTableCoversEveryKey()
    {
        var rows = Rows().Select(r => r.Data.Item1).ToHashSet();
        Assert.Empty(Covered.Except(rows));
    }
}
