using System.Globalization;
using NsSandbox.Policy.Syscalls;

namespace NsSandbox.Frontends.Nsjail;

/// <summary>Applies an nsjail configuration (protobuf text format, nsjail's config.proto) to a spec builder
/// with nsjail's meaning: fields the file omits take nsjail's defaults where they change what runs (its limits,
/// cwd, hostname, an empty root, no /proc), our safer ones stay elsewhere (docs/nsjail.md). Every field is
/// either applied or refused by name with its line:column and the reason; none is ignored.</summary>
public sealed class NsjailConfigLoader
{
    private const ulong MiB = 1024 * 1024;

    private readonly SpecBuilder _b;
    private readonly string _file;
    private readonly Dictionary<RlimitResource, (ulong? Value, string? Type, string Origin)> _rlimits = new();
    private bool _newNet = true, _loopbackDown;
    private string? _loopbackOrigin;

    private NsjailConfigLoader(SpecBuilder b, string file) => (_b, _file) = (b, file);

    public static void ApplyText(SpecBuilder b, string text, string file)
    {
        TextMessage root;
        try
        {
            root = TextFormatParser.Parse(text);
        }
        catch (TextFormatException e)
        {
            throw new SpecException($"{file}:{e.At}", e.Message);
        }
        var loader = new NsjailConfigLoader(b, file);
        loader.ApplyDefaults();
        loader.ApplyFields(root, NsjailFields.Config, loader.ApplyConfigField);
        loader.Finish();
    }

    /// <summary>What nsjail does when the file says nothing, where it differs from our defaults; a config
    /// mounts /proc only when it says so.</summary>
    private void ApplyDefaults()
    {
        NsjailDefaults.Apply(_b);
        _b.MountProc = false;
        foreach (var (resource, _, _, _) in NsjailFields.Rlimits) _rlimits[resource] = (null, null, "nsjail's default");
    }

    private string Origin(TextField f) => $"{_file}:{f.At}: {f.Name}";

    /// <summary>Every field through <paramref name="apply"/>, a singular field at most once (as protobuf).</summary>
    private void ApplyFields(TextMessage message, IReadOnlyDictionary<string, NsjailField> schema, Action<TextField, string> apply)
    {
        var seen = new HashSet<string>();
        foreach (var f in message.Fields)
        {
            string origin = Origin(f);
            if (!schema.TryGetValue(f.Name, out var field))
            {
                string? near = schema.Keys.Select(k => (Key: k, Distance: EditDistance.Between(f.Name, k)))
                    .Where(x => x.Distance <= 2).OrderBy(x => x.Distance).Select(x => x.Key).FirstOrDefault();
                throw new SpecException(origin, "is not a field of nsjail's configuration" + (near is null ? "" : $"; did you mean {near}?"));
            }
            if (!field.Repeated && !seen.Add(f.Name)) throw new SpecException(origin, "is given twice; it is not a repeated field");
            if (field.Refusal is { } why && field.IsSet(f.Value, origin)) throw new SpecException(origin, why);
            apply(f, origin);
        }
    }

    private void ApplyConfigField(TextField f, string o)
    {
        var v = f.Value;
        switch (f.Name)
        {
            case "name" or "description": NsjailValues.String(v, o); break; // the file's own label
            case "mode": ApplyMode(NsjailValues.Enum(v, o, "LISTEN", "ONCE", "RERUN", "EXECVE"), o); break;
            case "chroot_dir": Set("chroot", o, () => _b.Chroot = NsjailValues.String(v, o)); break;
            case "is_root_rw": _b.ReadWrite = NsjailValues.Bool(v, o); break;
            case "hostname": Set("hostname", o, () => _b.Hostname = NsjailValues.String(v, o)); break;
            case "cwd": Set("cwd", o, () => _b.Cwd = NsjailValues.String(v, o)); break;
            case "port": ApplyListen("port", o, () => _b.ListenPort = (int)NsjailValues.Unsigned(v, o, 65535), NsjailValues.Unsigned(v, o) != 0); break;
            case "bindhost": ApplyListen("bindhost", o, () => _b.BindHost = NsjailValues.String(v, o), NsjailValues.String(v, o) != ListenDefaults.BindHost); break;
            case "max_conns": ApplyListen("max_conns", o, () => _b.MaxConns = (uint)NsjailValues.Unsigned(v, o, uint.MaxValue), NsjailValues.Unsigned(v, o) != 0); break;
            case "max_conns_per_ip":
                ApplyListen("max_conns_per_ip", o, () => _b.MaxConnsPerIp = (uint)NsjailValues.Unsigned(v, o, uint.MaxValue), NsjailValues.Unsigned(v, o) != 0);
                break;
            case "time_limit": Set("time_limit", o, () => _b.TimeLimit = TimeSpan.FromSeconds(NsjailValues.Unsigned(v, o, uint.MaxValue))); break;
            case "log_level": ApplyLogLevel(NsjailValues.Enum(v, o, "DEBUG", "INFO", "WARNING", "ERROR", "FATAL")); break;
            case "keep_env": _b.KeepEnv = NsjailValues.Bool(v, o); break;
            case "envar": AddEnv(NsjailValues.String(v, o), o); break;
            case "forward_signals": NsjailValues.Bool(v, o); break; // signals are always forwarded (docs/nsjail.md)
            case "disable_rl": if (NsjailValues.Bool(v, o)) foreach (var r in NsjailFields.Rlimits) _rlimits[r.Resource] = (0, "SOFT", o); break;
            case "mount_proc": _b.MountProc = NsjailValues.Bool(v, o); break;
            case "mount": ApplyMount(NsjailValues.Message(v, o), o); break;
            case "seccomp_policy_file": Set("seccomp_policy", o, () => _b.SeccompPolicyFile = ConfigFile.RelativeTo(_file, NsjailValues.String(v, o))); break;
            case "seccomp_string": _b.SeccompStrings.Add(NsjailValues.String(v, o)); break;
            case "seccomp_log": _b.SeccompLog = NsjailValues.Bool(v, o); break;
            case "cgroup_mem_max":
                ulong mem = NsjailValues.Unsigned(v, o);
                // The flag's and the TOML key's floor, so that `config import` writes a file that loads.
                if (mem is > 0 and < MiB) throw new SpecException(o, $"{mem} bytes is below the smallest memory limit, 1M ({MiB} bytes)");
                _b.CgroupMemMax = mem == 0 ? null : mem;
                Note("cgroup", o);
                break;
            case "cgroup_mem_memsw_max": ApplyMemsw(NsjailValues.Unsigned(v, o), o); break;
            case "cgroup_mem_swap_max": ApplySwap(NsjailValues.Signed(v, o), o); break;
            case "uidmap": _b.UidMaps.Add(IdMap(NsjailValues.Message(v, o), o)); break;
            case "gidmap": _b.GidMaps.Add(IdMap(NsjailValues.Message(v, o), o)); break;
            case "max_cpus": _b.MaxCpus = (uint)NsjailValues.Unsigned(v, o, uint.MaxValue); break;
            case "nice_level": _b.NiceLevel = (int)Math.Clamp(NsjailValues.Signed(v, o), -20, 19); break;
            case "log_file": Set("log", o, () => (_b.LogFile, _b.LogFd) = (NsjailValues.String(v, o), null)); break;
            case "log_fd": Set("log", o, () => (_b.LogFile, _b.LogFd) = (null, (int)NsjailValues.Unsigned(v, o, int.MaxValue))); break;
            case "silent": _b.Silent = NsjailValues.Bool(v, o); break;
            case "stderr_to_null": _b.StderrToNull = NsjailValues.Bool(v, o); break;
            case "disable_tsc": Set("disable_tsc", o, () => _b.DisableTsc = NsjailValues.Bool(v, o)); break;
            case "cgroup_pids_max": ulong pids = NsjailValues.Unsigned(v, o); _b.CgroupPidsMax = pids == 0 ? null : pids; Note("cgroup", o); break;
            case "cgroup_cpu_ms_per_sec":
                ulong ms = NsjailValues.Unsigned(v, o, 1_000_000);
                _b.CgroupCpuMsPerSec = ms == 0 ? null : (uint)ms;
                Note("cgroup", o);
                break;
            case "cgroup_mem_parent" or "cgroup_pids_parent" or "cgroup_cpu_parent": ApplyCgroupParent(NsjailValues.String(v, o), o); break;
            case "cgroupv2_mount": _b.CgroupV2Mount = NsjailValues.String(v, o); break;
            case "use_cgroupv2": if (NsjailValues.Bool(v, o)) _b.CgroupVersion = CgroupVersion.V2; break;
            case "detect_cgroupv2": if (NsjailValues.Bool(v, o)) _b.CgroupVersion = CgroupVersion.Auto; break;
            case "iface_no_lo": _loopbackDown = NsjailValues.Bool(v, o); _loopbackOrigin = o; break;
            case "macvlan_iface": _b.Net.MacvlanInterface = NsjailValues.String(v, o); _b.Net.Note("macvlan_iface", o); break;
            case "macvlan_vs_ip": _b.Net.MacvlanAddress = NsjailValues.String(v, o); _b.Net.Note("macvlan_vs_ip", o); break;
            case "macvlan_vs_nm": _b.Net.MacvlanNetmask = NsjailValues.String(v, o); _b.Net.Note("macvlan_vs_nm", o); break;
            case "macvlan_vs_gw": _b.Net.MacvlanGateway = NsjailValues.String(v, o); _b.Net.Note("macvlan_vs_gw", o); break;
            case "macvlan_vs_ma": _b.Net.MacvlanMac = NsjailValues.String(v, o); _b.Net.Note("macvlan_vs_ma", o); break;
            case "exec_bin": ApplyExec(NsjailValues.Message(v, o)); break;
            default:
                if (NsjailFields.Rlimits.FirstOrDefault(r => f.Name == "rlimit_" + r.Name) is { Name: not null } rl)
                    _rlimits[rl.Resource] = (NsjailValues.Unsigned(v, o), _rlimits[rl.Resource].Type, o);
                else if (NsjailFields.Rlimits.FirstOrDefault(r => f.Name == "rlimit_" + r.Name + "_type") is { Name: not null } rt)
                    _rlimits[rt.Resource] = (_rlimits[rt.Resource].Value, NsjailValues.Enum(v, o, "VALUE", "SOFT", "HARD", "INF"), o);
                else if (Cli.ProcessFlags.Personas.FirstOrDefault(p => f.Name == p.Name) is { Name: not null } persona)
                    _b.Personality = NsjailValues.Bool(v, o) ? _b.Personality | persona.Flag : _b.Personality & ~persona.Flag;
                else if (NsjailFields.Namespaces.FirstOrDefault(n => f.Name == "clone_new" + n.Name) is { Name: not null } ns)
                    ApplyNamespace(ns.Ns, NsjailValues.Bool(v, o), o);
                else if (NsjailFields.Config[f.Name].Refusal is null)
                    NsjailFields.Config[f.Name].IsSet(v, o); // accepted at its default value (see NsjailFields)
                break;
        }
    }

    private void Set(string setting, string origin, Action apply)
    {
        apply();
        _b.NoteOrigin(setting, origin);
    }

    private void Note(string setting, string origin) => _b.NoteOrigin(setting, origin);

    /// <summary>A listen setting; at nsjail's default it is noted nowhere, so a config of another mode may carry it
    /// (as nsjail's own files written out in full do), while any other value outside mode LISTEN is refused.</summary>
    private void ApplyListen(string setting, string origin, Action apply, bool notDefault)
    {
        apply();
        if (notDefault) _b.NoteOrigin(setting, origin);
    }

    private void ApplyMode(string mode, string origin)
    {
        _b.Mode = mode switch
        {
            "ONCE" => RunMode.Once,
            "EXECVE" => RunMode.Execve,
            "LISTEN" => RunMode.Listen,
            _ => RunMode.Rerun,
        };
        _b.NoteOrigin("mode", origin);
    }

    private void ApplyLogLevel(string level) => _b.Verbosity = level switch
    {
        "DEBUG" => Verbosity.Verbose,
        "INFO" => Verbosity.Normal,
        _ => Verbosity.Quiet,
    };

    private void AddEnv(string value, string origin)
    {
        int eq = value.IndexOf('=');
        string name = eq < 0 ? value : value[..eq];
        if (string.IsNullOrWhiteSpace(name)) throw new SpecException(origin, $"'{value}' has no variable name");
        _b.Env.Add(new EnvEntry(name, eq < 0 ? null : value[(eq + 1)..]));
    }

    private void ApplyNamespace(Namespaces ns, bool create, string origin)
    {
        if (ns == Namespaces.Net)
        {
            _newNet = create;
            if (!create) _b.Net.Mode = NetMode.Host;
            _b.Net.Note("mode", origin);
            return;
        }
        _b.Namespaces = create ? _b.Namespaces | ns : _b.Namespaces & ~ns;
        _b.NoteOrigin("namespaces", origin);
    }

    private void ApplyCgroupParent(string parent, string origin)
    {
        if (parent == "NSJAIL") return; // nsjail's default: we create the run's cgroup under our own (docs/nsjail.md)
        string path = "/" + parent.Trim('/');
        if (_b.CgroupParent is { } other && other != path)
            throw new SpecException(origin, $"differs from the other cgroup parent ({other}); one parent serves every controller here");
        _b.CgroupParent = path;
        _b.NoteOrigin("cgroup_parent", origin);
    }

    /// <summary>nsjail's memory+swap limit (bytes; 0 is none).</summary>
    private void ApplyMemsw(ulong memsw, string origin)
    {
        _b.CgroupMemMemswMax = memsw == 0 ? null : memsw;
        Note("cgroup_mem_memsw_max", origin);
        Note("cgroup", origin);
    }

    /// <summary>nsjail's swap limit: bytes, or -1 (its default) for none, which with a memory limit here is
    /// unlimited swap, as in nsjail; left out, the swap is 0 (docs/nsjail.md).</summary>
    private void ApplySwap(long swap, string origin)
    {
        if (swap < -1) throw new SpecException(origin, $"expects bytes, or -1 for no swap limit, not {swap}");
        _b.CgroupMemSwapMax = swap == -1 ? CgroupLimits.UnlimitedSwap : (ulong)swap;
        Note("cgroup_mem_swap_max", origin);
        Note("cgroup", origin);
    }

    /// <summary>An <c>uidmap</c> or <c>gidmap</c>: inside and outside ids (numbers, names, or "" for the launcher's
    /// own), count (0 is 1, as in nsjail).</summary>
    private IdMapSpec IdMap(TextMessage map, string origin)
    {
        string inside = "", outside = "";
        uint count = 1;
        ApplyFields(map, NsjailFields.IdMap, (f, o) =>
        {
            switch (f.Name)
            {
                case "inside_id": inside = NsjailValues.String(f.Value, o); break;
                case "outside_id": outside = NsjailValues.String(f.Value, o); break;
                case "count": count = (uint)NsjailValues.Unsigned(f.Value, o, uint.MaxValue); break;
                default: NsjailFields.IdMap[f.Name].IsSet(f.Value, o); break;
            }
        });
        return new IdMapSpec(inside, outside.Length == 0 ? null : outside, count == 0 ? 1 : count, origin);
    }

    private void ApplyExec(TextMessage exe)
    {
        string? path = null, arg0 = null;
        var args = new List<string>();
        ApplyFields(exe, NsjailFields.Exe, (f, o) =>
        {
            switch (f.Name)
            {
                case "path": path = NsjailValues.String(f.Value, o); break;
                case "arg": args.Add(NsjailValues.String(f.Value, o)); break;
                case "arg0": arg0 = NsjailValues.String(f.Value, o); break;
                case "exec_fd":
                    _b.ExecuteFd = NsjailValues.Bool(f.Value, o);
                    _b.NoteOrigin("execute_fd", o);
                    break;
                default: NsjailFields.Exe[f.Name].IsSet(f.Value, o); break;
            }
        });
        if (path is null) throw new SpecException($"{_file}:{exe.At}: exec_bin", "needs a path");
        // arg0 is the command's argv[0]; the path is still what runs (nsjail's exec_file).
        _b.Command.Clear();
        _b.Command.Add(arg0 ?? path);
        _b.Command.AddRange(args);
        _b.ExecFile = arg0 is null ? null : path;
        if (arg0 is not null) _b.NoteOrigin("exec_file", $"{_file}:{exe.At}: exec_bin");
    }

    private void ApplyMount(TextMessage mount, string origin) => NsjailMount.Apply(_b, mount, origin, _file, ApplyFields);

    /// <summary>What depends on several fields: rlimits with their types, lo.</summary>
    private void Finish()
    {
        foreach (var (resource, name, unit, defaults) in NsjailFields.Rlimits)
        {
            var (value, type, origin) = _rlimits[resource];
            string kind = type ?? defaults.Type;
            ulong v = value ?? defaults.Value;
            if (kind == "VALUE" && v > ulong.MaxValue / unit) throw new SpecException(origin, $"rlimit_{name} {v} is too large");
            _b.Rlimits[resource] = kind switch
            {
                "VALUE" => new RlimitSpec(resource, RlimitKind.Value, v * unit),
                "SOFT" => new RlimitSpec(resource, RlimitKind.Soft),
                "HARD" => new RlimitSpec(resource, RlimitKind.Hard),
                _ => new RlimitSpec(resource, RlimitKind.Infinity),
            };
        }
        // nsjail ignores iface_no_lo when the jail shares the host's network.
        if (_loopbackDown && _newNet)
        {
            _b.Net.LoopbackDown = true;
            _b.Net.Note("iface_no_lo", _loopbackOrigin!);
        }
    }
}
