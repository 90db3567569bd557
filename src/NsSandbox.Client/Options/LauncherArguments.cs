using System.Globalization;

namespace NsSandbox.Client;

/// <summary>The launcher's command line for a run: the options as flags in their long spelling (one argument
/// each, <c>--name=value</c>, so a value that starts with a dash stays a value), then <c>--</c> and the command.</summary>
internal sealed class LauncherArguments
{
    private readonly List<string> _args = [];

    public void Switch(string flag, bool on)
    {
        if (on) _args.Add("--" + flag);
    }

    public void Value(string flag, string? value)
    {
        if (value is not null) _args.Add($"--{flag}={value}");
    }

    public void Value(string flag, ulong? value) => Value(flag, value?.ToString(CultureInfo.InvariantCulture));

    public void Value(string flag, uint? value) => Value(flag, value?.ToString(CultureInfo.InvariantCulture));

    /// <summary>The arguments for <paramref name="command"/> under <paramref name="o"/>, writing the report to
    /// <paramref name="reportPath"/>.</summary>
    public static IReadOnlyList<string> For(SandboxOptions o, IReadOnlyList<string> command, string? reportPath)
    {
        var a = new LauncherArguments();
        a.Value("config", o.Profile?.Path);
        a.Value("chroot", o.Chroot);
        a.Switch("rw", o.WritableRoot);
        a.Value("user", o.User);
        a.Value("group", o.Group);
        foreach (var m in o.UidMappings) a.Value("uid_mapping", m.FlagText);
        foreach (var m in o.GidMappings) a.Value("gid_mapping", m.FlagText);
        a.Value("hostname", o.Hostname);
        a.Value("cwd", o.WorkingDirectory);
        if (o.TimeLimit is { } limit)
            a.Value("time_limit", limit.TotalMilliseconds.ToString("0.###", CultureInfo.InvariantCulture) + "ms");
        a.Switch("quiet", o.Verbosity == Verbosity.Quiet);
        a.Switch("verbose", o.Verbosity == Verbosity.Verbose);
        foreach (var (name, value) in o.Environment ?? new Dictionary<string, string?>())
        {
            if (name.Length == 0 || name.Contains('=')) throw new ArgumentException($"'{name}' is not an environment variable name");
            a.Value("env", value is null ? name : $"{name}={value}");
        }
        a.Switch("keep_env", o.KeepEnvironment);
        // --proc_path mounts /proc (as nsjail's does), so it comes before --disable_proc, which then wins.
        a.Value("proc_path", o.ProcPath);
        a.Switch("proc_rw", o.ProcReadWrite);
        a.Switch("disable_proc", o.DisableProc);
        foreach (var mount in o.Mounts) mount.AppendTo(a);
        a.Value("tmp_size", o.TmpSizeBytes);
        a.Value("data", o.DataDirectory);
        a.Switch("keep_data", o.KeepData);
        a.Value("state_dir", o.StateDirectory);
        a.Value("report", reportPath);
        a.Switch("trace_timing", o.TraceTiming);
        o.Process.AppendTo(a);
        o.Seccomp.AppendTo(a);
        o.Cgroup.AppendTo(a);
        foreach (var (resource, value) in o.Rlimits ?? new Dictionary<RlimitResource, RlimitValue>())
            a.Value("rlimit_" + FlagNames.Of(resource), value.FlagText(resource));
        foreach (var (ns, suffix) in NamespaceSuffixes)
            a.Switch("disable_clone_new" + suffix, (o.DisabledNamespaces & ns) != 0);
        o.Network.AppendTo(a);

        if (command.Count == 0 || command[0].Length == 0) throw new ArgumentException("the command is empty", nameof(command));
        a._args.Add("--");
        a._args.AddRange(command);
        return a._args;
    }

    /// <summary>The flags' names for each namespace (nsjail's: "ns" is the mount namespace).</summary>
    private static readonly (Namespaces Ns, string Suffix)[] NamespaceSuffixes =
    [
        (Namespaces.User, "user"), (Namespaces.Mount, "ns"), (Namespaces.Pid, "pid"), (Namespaces.Ipc, "ipc"),
        (Namespaces.Uts, "uts"), (Namespaces.Net, "net"), (Namespaces.Cgroup, "cgroup"),
    ];
}
