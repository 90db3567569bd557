using NsSandbox.Linux;

namespace NsSandbox.Core.Spec;

/// <summary>The mutable side of a spec: flags (and config files) are applied to it in order, each remembering
/// its origin for error messages; <see cref="Build"/> validates and freezes it.</summary>
public sealed class SpecBuilder
{
    private readonly Dictionary<string, string> _origins = new();

    public RunMode Mode { get; set; } = RunMode.Once;
    public List<string> Command { get; } = [];
    public string Chroot { get; set; } = "/";
    public bool ReadWrite { get; set; }
    public Namespaces Namespaces { get; set; } = Defaults.Namespaces;
    public string Hostname { get; set; } = "nssandbox";
    public string User { get; set; } = Defaults.NobodyId.ToString();
    public string Group { get; set; } = Defaults.NobodyId.ToString();
    public bool MountProc { get; set; } = true;
    public ulong TmpSizeBytes { get; set; } = Defaults.TmpSizeBytes;
    public string? DataDir { get; set; }
    public bool KeepData { get; set; }
    public string StateDir { get; set; } = Defaults.StateDir;
    public string Cwd { get; set; } = "/data";
    public List<MountSpec> Mounts { get; } = [];
    public bool KeepEnv { get; set; }
    public List<EnvEntry> Env { get; } = [];
    public Dictionary<RlimitResource, RlimitSpec> Rlimits { get; } = Defaults.Rlimits.ToDictionary(r => r.Resource);
    public TimeSpan? TimeLimit { get; set; }
    public string? ReportPath { get; set; }
    public Verbosity Verbosity { get; set; } = Verbosity.Normal;
    public bool TraceTiming { get; set; }

    /// <summary>Records where a setting came from, so validation can point at it.</summary>
    public void NoteOrigin(string setting, string origin) => _origins[setting] = origin;

    private string Origin(string setting, string fallback) => _origins.GetValueOrDefault(setting, fallback);

    public SandboxSpec Build()
    {
        if (Command.Count == 0)
            throw new SpecException("command", "no command to run; give it after -- (e.g. nssandbox -- /bin/echo hi)");
        if (Command[0].Length == 0) throw new SpecException("command", "the command's path is empty");

        string chroot = Path.GetFullPath(Chroot);
        if (FileTypes.Of(chroot, followSymlinks: true) != FileType.Directory)
            throw new SpecException(Origin("chroot", "--chroot"), $"{Chroot} is not a directory");
        if (!Namespaces.HasFlag(Namespaces.Mount))
            throw new SpecException(Origin("namespaces", "--disable_clone_newns"),
                "the mount namespace cannot be disabled: the sandbox's filesystem is built in it");
        if (!Namespaces.HasFlag(Namespaces.User) && Identity.EffectiveUid != 0)
            throw new SpecException(Origin("namespaces", "--disable_clone_newuser"),
                "only root can run without a user namespace");
        if (Mode == RunMode.Execve && MountProc)
            throw new SpecException(Origin("mode", "--mode"),
                "mode execve cannot mount a fresh /proc (the launcher is not inside the new pid namespace); add --disable_proc");
        if (Mode == RunMode.Execve)
        {
            if (TimeLimit is not null)
                throw new SpecException("--time_limit", "mode execve has no supervisor to enforce a time limit; use mode once (-Mo)");
            if (ReportPath is not null)
                throw new SpecException("--report", "mode execve has no supervisor to write a report; use mode once (-Mo)");
            if (TraceTiming)
                throw new SpecException("--trace_timing", "mode execve has no supervisor to collect the timing; use mode once (-Mo)");
            if (KeepData)
                throw new SpecException("--keep_data", "mode execve's /data is a tmpfs that ends with the sandbox; give a host directory with --data");
            // A process never enters the pid namespace it creates (only its children do), and the launcher is
            // the sandbox here: see docs/usage.md, "Modes".
            Namespaces &= ~Namespaces.Pid;
        }
        if (MountProc && !Namespaces.HasFlag(Namespaces.Pid))
            throw new SpecException(Origin("namespaces", "--disable_clone_newpid"),
                "a fresh /proc needs a new pid namespace; add --disable_proc as well");
        if (Hostname.Length is 0 or > 64)
            throw new SpecException(Origin("hostname", "--hostname"), "a hostname has 1 to 64 characters");
        if (TimeLimit is { } t && t <= TimeSpan.Zero) TimeLimit = null;
        if (!Cwd.StartsWith('/')) throw new SpecException(Origin("cwd", "--cwd"), $"{Cwd} is not an absolute path");

        string? dataDir = DataDir is null ? null : Path.GetFullPath(DataDir);
        if (dataDir is not null && FileTypes.Of(dataDir, followSymlinks: true) != FileType.Directory)
            throw new SpecException(Origin("data", "--data"), $"{DataDir} is not a directory");

        return new SandboxSpec
        {
            Mode = Mode,
            Command = Command.ToList(),
            Chroot = chroot,
            ReadWrite = ReadWrite,
            Namespaces = Namespaces,
            Hostname = Hostname,
            Uid = IdResolver.Resolve(User, chroot, "passwd", Origin("user", "--user")),
            Gid = IdResolver.Resolve(Group, chroot, "group", Origin("group", "--group")),
            MountProc = MountProc,
            TmpSizeBytes = TmpSizeBytes,
            DataDir = dataDir,
            KeepData = KeepData,
            StateDir = Path.GetFullPath(StateDir),
            Cwd = Cwd,
            Mounts = Mounts.Select(ValidateMount).ToList(),
            Env = new EnvSpec { KeepAll = KeepEnv, Entries = Env.ToList() },
            Rlimits = Rlimits.Values.OrderBy(r => r.Resource).ToList(),
            TimeLimit = TimeLimit,
            ReportPath = ReportPath,
            Verbosity = Verbosity,
            TraceTiming = TraceTiming,
        };
    }

    private MountSpec ValidateMount(MountSpec m, int index)
    {
        string origin = Origin($"mount{index}", "--bindmount");
        string target = m.Target;
        if (!target.StartsWith('/')) throw new SpecException(origin, $"mount target {target} is not an absolute path");
        target = Path.GetFullPath(target);
        if (target == "/" || IsProvided(target))
            throw new SpecException(origin, $"cannot mount over {target}: the sandbox provides it");
        return m with { Source = m.Source is null ? null : Path.GetFullPath(m.Source), Target = target };
    }

    private static bool IsProvided(string target) => target is "/proc" or "/dev";
}
