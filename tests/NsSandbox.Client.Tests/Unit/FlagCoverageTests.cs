using NsSandbox.Frontends.Cli;

namespace NsSandbox.Client.Tests;

/// <summary>The options against the launcher's own flag table and parser: every flag has an option (this fails
/// when a flag is added without one), and what the options write is what the parser reads.</summary>
public sealed class FlagCoverageTests : IDisposable
{
    /// <summary>Flags with no option, and why. Nothing else may be missing.</summary>
    private static readonly Dictionary<string, string> NotOptions = new()
    {
        ["mode"] = "every client run is supervised (mode once): its result is the report, which mode execve cannot write",
        ["log"] = "the client reads the launcher's own messages from its stderr, with the command's",
        ["log_fd"] = "the client reads the launcher's own messages from its stderr, with the command's",
        ["report_dir"] = "the client names each run's report file itself (--report)",
        ["port"] = "mode listen's: a client run is one sandbox in mode once",
        ["bindhost"] = "mode listen's: a client run is one sandbox in mode once",
        ["max_conns"] = "mode listen's: a client run is one sandbox in mode once",
        ["max_conns_per_ip"] = "mode listen's: a client run is one sandbox in mode once",
    };

    private readonly string _profile = Path.Combine(Directory.CreateTempSubdirectory("nss-client-flags-").FullName, "p.toml");

    public FlagCoverageTests() => File.WriteAllText(_profile, "# empty profile\n");

    public void Dispose() => Directory.Delete(Path.GetDirectoryName(_profile)!, recursive: true);

    [Fact]
    public void EveryLauncherFlagHasAnOption()
    {
        var written = Everything().SelectMany(o => FlagsIn(LauncherArguments.For(o, ["/bin/true"], "/r.json"))).ToHashSet();
        var missing = FlagTable.All.Select(f => f.Name).Where(n => !written.Contains(n) && !NotOptions.ContainsKey(n)).ToList();
        Assert.True(missing.Count == 0, "launcher flags with no option in SandboxOptions: " + string.Join(", ", missing));
        Assert.All(written, name => Assert.NotNull(FlagTable.ByName(name)));
    }

    [Fact]
    public void TheParserReadsWhatTheOptionsMean()
    {
        var o = Everything()[0];
        var b = ArgParser.Parse(LauncherArguments.For(o, ["-x", "a b"], "/r.json")).Builder;
        Assert.Equal(["-x", "a b"], b.Command);
        Assert.Equal("/srv/root", b.Chroot);
        Assert.True(b.ReadWrite);
        Assert.Equal(("1000", "1001", "box", "/work"), (b.User, b.Group, b.Hostname, b.Cwd));
        Assert.Equal(["0:100000:1000", "root:worker:1"], b.UidMaps.Select(m => m.ToString()));
        Assert.Equal(["0:100000:1000"], b.GidMaps.Select(m => m.ToString()));
        Assert.Equal(("/bin/busybox", true, true, -3, 2u, true), (b.ExecFile, b.Silent, b.StderrToNull, b.NiceLevel, b.MaxCpus, b.DisableTsc));
        Assert.Equal(Persona.AddrNoRandomize | Persona.MmapPageZero | Persona.ReadImpliesExec | Persona.AddrCompatLayout | Persona.AddrLimit3Gb, b.Personality);
        Assert.Equal(3UL << 20, b.CgroupMemMemswMax);
        Assert.Equal(TimeSpan.FromMilliseconds(1500), b.TimeLimit);
        Assert.Equal(Verbosity.Quiet, b.Verbosity);
        Assert.Equal([new EnvEntry("A", "x=y é"), new EnvEntry("PASS", null)], b.Env);
        Assert.True(b.KeepEnv);
        Assert.False(b.MountProc);
        Assert.Equal(("/p2", true), (b.ProcPath, b.ProcReadWrite));
        Assert.Equal([new MountSpec("/in", "/in", true), new MountSpec("/out", "/o", false), new MountSpec(null, "/scratch", false)], b.Mounts);
        Assert.Equal(64UL << 20, b.TmpSizeBytes);
        Assert.Equal(("/d", true, "/state", "/r.json", true), (b.DataDir, b.KeepData, b.StateDir, b.ReportPath, b.TraceTiming));
        Assert.Equal(("/p.policy", "POLICY a { ALLOW { read } } USE a DEFAULT KILL", "/p.json", true, true),
            (b.SeccompPolicyFile, b.SeccompStrings.Single(), b.SeccompOciFile, b.SeccompLog, b.DisableSeccomp));
        Assert.Equal((256UL << 20, 1UL << 20, 32UL, 500U, CgroupVersion.V1, "/jobs", "/cg2"),
            (b.CgroupMemMax, b.CgroupMemSwapMax, b.CgroupPidsMax, b.CgroupCpuMsPerSec, b.CgroupVersion, b.CgroupParent, b.CgroupV2Mount));
        Assert.Equal(new RlimitSpec(RlimitResource.As, RlimitKind.Value, 3UL << 30), b.Rlimits[RlimitResource.As]);
        Assert.Equal(new RlimitSpec(RlimitResource.Nofile, RlimitKind.Value, 64), b.Rlimits[RlimitResource.Nofile]);
        Assert.Equal(new RlimitSpec(RlimitResource.Cpu, RlimitKind.Infinity), b.Rlimits[RlimitResource.Cpu]);
        Assert.Equal(new RlimitSpec(RlimitResource.Stack, RlimitKind.Hard), b.Rlimits[RlimitResource.Stack]);
        Assert.Equal(Defaults.Namespaces & ~(Namespaces.Uts | Namespaces.Ipc), b.Namespaces);
        Assert.Equal(NetMode.Egress, b.Net.Mode);
        Assert.True(b.Net.LoopbackDown);
        Assert.Equal("203.0.113.0/24", b.Net.Deny.Single().ToString());
        Assert.Equal("198.51.100.7/32", b.Net.Allow.Single().ToString());
        Assert.Equal(new PortForward(8080, 80), b.Net.Forwards.Single());
        Assert.Equal([new HostPattern("pypi.org", false, null), new HostPattern("example.org", true, 443)], b.Net.AllowHosts);
        Assert.True(b.Net.Only);
        Assert.Equal(TimeSpan.FromSeconds(90), b.Net.MinTtl);
    }

    [Fact]
    public void UnlimitedSwapIsWrittenAsNsjailsMax()
    {
        var o = new SandboxOptions { Cgroup = new CgroupOptions { MemoryMaxBytes = 64UL << 20, MemorySwapMaxBytes = CgroupLimits.UnlimitedSwap } };
        var b = ArgParser.Parse(LauncherArguments.For(o, ["/bin/true"], null)).Builder;
        Assert.Equal(CgroupLimits.UnlimitedSwap, b.Build().Cgroup.Limits.MemorySwapMax);
    }

    [Fact]
    public void AValueThatLooksLikeAFlagStaysAValue()
    {
        var b = ArgParser.Parse(LauncherArguments.For(new SandboxOptions { Hostname = "-v" }, ["/bin/true"], null)).Builder;
        Assert.Equal("-v", b.Hostname);
        Assert.Equal(Verbosity.Normal, b.Verbosity);
    }

    [Fact]
    public void AProfileIsTheLaunchersConfigFile()
    {
        File.WriteAllText(_profile, "[exec]\nhostname = \"from-profile\"\n");
        var profile = SandboxProfile.FromFile(_profile);
        Assert.Equal("from-profile", ArgParser.Parse(LauncherArguments.For(new SandboxOptions { Profile = profile }, ["/bin/true"], null)).Builder.Hostname);
        // Options override the profile, as flags override the file.
        var both = new SandboxOptions { Profile = profile, Hostname = "from-options" };
        Assert.Equal("from-options", ArgParser.Parse(LauncherArguments.For(both, ["/bin/true"], null)).Builder.Hostname);
    }

    [Fact]
    public void WhatTheLauncherCouldNotReadIsRefusedHere()
    {
        Assert.Throws<ArgumentException>(() => SandboxMount.ReadOnly("/a:b"));
        Assert.Throws<ArgumentException>(() => SandboxMount.Tmpfs(""));
        Assert.Throws<ArgumentException>(() => LauncherArguments.For(new SandboxOptions { Environment = new Dictionary<string, string?> { ["A=B"] = "c" } }, ["x"], null));
        Assert.Throws<ArgumentException>(() => LauncherArguments.For(SandboxOptions.Default, [], null));
        Assert.Throws<FileNotFoundException>(() => SandboxProfile.FromFile("/nonexistent/p.toml"));
        Assert.Throws<ArgumentException>(() => SandboxProfile.Named("/etc", "../passwd"));
    }

    /// <summary>Options that between them set every option (Verbosity can say only one of quiet and verbose,
    /// the network only one mode).</summary>
    private List<SandboxOptions> Everything()
    {
        var full = new SandboxOptions
        {
            Profile = SandboxProfile.FromFile(_profile),
            Chroot = "/srv/root",
            WritableRoot = true,
            User = "1000",
            Group = "1001",
            UidMappings = [new IdMapping("0", "100000", 1000), new IdMapping("root", "worker")],
            GidMappings = [new IdMapping("0", "100000", 1000)],
            Process = new ProcessOptions
            {
                ExecutableFile = "/bin/busybox",
                ExecuteFromDescriptor = true,
                Silent = true,
                StderrToNull = true,
                NiceLevel = -3,
                MaxCpus = 2,
                DisableTsc = true,
                Personality = Persona.AddrNoRandomize | Persona.MmapPageZero | Persona.ReadImpliesExec | Persona.AddrCompatLayout | Persona.AddrLimit3Gb,
            },
            Hostname = "box",
            WorkingDirectory = "/work",
            TimeLimit = TimeSpan.FromMilliseconds(1500),
            Verbosity = Verbosity.Quiet,
            Environment = new Dictionary<string, string?> { ["A"] = "x=y é", ["PASS"] = null },
            KeepEnvironment = true,
            DisableProc = true,
            ProcPath = "/p2",
            ProcReadWrite = true,
            Mounts = [SandboxMount.ReadOnly("/in"), SandboxMount.ReadWrite("/out", "/o"), SandboxMount.Tmpfs("/scratch")],
            TmpSizeBytes = 64UL << 20,
            DataDirectory = "/d",
            KeepData = true,
            StateDirectory = "/state",
            TraceTiming = true,
            Seccomp = new SeccompOptions
            {
                PolicyFile = "/p.policy",
                Policies = ["POLICY a { ALLOW { read } } USE a DEFAULT KILL"],
                OciProfile = "/p.json",
                LogOnly = true,
                Disable = true,
            },
            Cgroup = new CgroupOptions
            {
                MemoryMaxBytes = 256UL << 20,
                MemorySwapMaxBytes = 1UL << 20,
                MemoryAndSwapMaxBytes = 3UL << 20,
                PidsMax = 32,
                CpuMsPerSecond = 500,
                Version = CgroupVersion.V1,
                Parent = "/jobs",
                V2Mount = "/cg2",
            },
            Rlimits = new Dictionary<RlimitResource, RlimitValue>
            {
                [RlimitResource.As] = RlimitValue.Of(3UL << 30),
                [RlimitResource.Nofile] = RlimitValue.Of(64),
                [RlimitResource.Cpu] = RlimitValue.Unlimited,
                [RlimitResource.Stack] = RlimitValue.Hard,
            },
            DisabledNamespaces = Namespaces.Uts | Namespaces.Ipc,
            Network = new NetworkOptions
            {
                Mode = NetMode.Egress,
                LoopbackDown = true,
                Deny = [new Cidr("203.0.113.0", 24)],
                Allow = [new Cidr("198.51.100.7", 32)],
                Forwards = [new PortForward(8080, 80)],
                AllowHosts = [HostPattern.Parse("--net_allow_host", "pypi.org"), new HostPattern("example.org", true, 443)],
                Only = true,
                MinTtl = TimeSpan.FromSeconds(90),
            },
        };
        var rest = new SandboxOptions
        {
            Verbosity = Verbosity.Verbose,
            Rlimits = Enum.GetValues<RlimitResource>().ToDictionary(r => r, _ => RlimitValue.Soft),
            DisabledNamespaces = Namespaces.User | Namespaces.Mount | Namespaces.Pid | Namespaces.Net | Namespaces.Cgroup,
            Network = new NetworkOptions
            {
                Macvlan = new MacvlanOptions("eth0") { Address = "10.0.0.2", Netmask = "255.0.0.0", Gateway = "10.0.0.1", Mac = "02:00:00:00:00:01" },
            },
        };
        return [full, rest];
    }

    /// <summary>The flags' names in a command line up to "--".</summary>
    private static IEnumerable<string> FlagsIn(IReadOnlyList<string> args) =>
        args.TakeWhile(a => a != "--").Select(a => a[2..].Split('=')[0]);
}
