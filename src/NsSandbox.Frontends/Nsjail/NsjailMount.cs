namespace NsSandbox.Frontends.Nsjail;

/// <summary>nsjail's MountPt: the fields of a config's <c>mount { ... }</c>, or what --mount and --symlink say.</summary>
public sealed record NsjailMountPoint
{
    public string? Src { get; init; }
    public string? Dst { get; init; }
    public string? FsType { get; init; }
    public string? Options { get; init; }
    public string? Content { get; init; }
    public bool IsBind { get; init; }
    public bool Rw { get; init; }
    public bool Mandatory { get; init; } = true;
    public bool IsSymlink { get; init; }
    public bool NoDev { get; init; }
    public bool NoExec { get; init; }
    public bool? IsDir { get; init; }
}

/// <summary>One nsjail mount as the sandbox builds it: a bind of "/" (or any directory) at "/" is the root; other
/// binds, tmpfs and proc mounts, symlinks and files made from content are the spec's mounts; proc at /proc is the
/// sandbox's fresh /proc; binds of the devices the sandbox's /dev already holds from the host are those.</summary>
public static class NsjailMount
{
    /// <summary>/dev entries the sandbox binds from the host itself (FilesystemPlanner).</summary>
    private static readonly string[] ProvidedDevices = ["/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom"];

    public delegate void FieldWalker(TextMessage message, IReadOnlyDictionary<string, NsjailField> schema, Action<TextField, string> apply);

    public static void Apply(SpecBuilder b, TextMessage mount, string origin, string file, FieldWalker walk)
    {
        var p = new NsjailMountPoint();
        (string Name, string Origin)? srcEnv = null, dstEnv = null;
        walk(mount, NsjailFields.Mount, (f, o) =>
        {
            var v = f.Value;
            switch (f.Name)
            {
                case "src": p = p with { Src = NsjailValues.String(v, o) }; break;
                case "src_content": p = p with { Content = NsjailValues.String(v, o, allowNul: true) }; break;
                case "dst": p = p with { Dst = NsjailValues.String(v, o) }; break;
                case "prefix_src_env": srcEnv = (NsjailValues.String(v, o), o); break;
                case "prefix_dst_env": dstEnv = (NsjailValues.String(v, o), o); break;
                case "fstype": p = p with { FsType = NsjailValues.String(v, o) }; break;
                case "options": p = p with { Options = NsjailValues.String(v, o) }; break;
                case "is_bind": p = p with { IsBind = NsjailValues.Bool(v, o) }; break;
                case "rw": p = p with { Rw = NsjailValues.Bool(v, o) }; break;
                case "mandatory": p = p with { Mandatory = NsjailValues.Bool(v, o) }; break;
                case "is_symlink": p = p with { IsSymlink = NsjailValues.Bool(v, o) }; break;
                case "nodev": p = p with { NoDev = NsjailValues.Bool(v, o) }; break;
                case "noexec": p = p with { NoExec = NsjailValues.Bool(v, o) }; break;
                case "is_dir": p = p with { IsDir = NsjailValues.Bool(v, o) }; break;
                case "nosuid": NsjailValues.Bool(v, o); break; // every mount is nosuid already
                default: NsjailFields.Mount[f.Name].IsSet(v, o); break;
            }
        });
        // nsjail puts the variable's value before the path, whether or not the path is given; with the variable
        // unset, the mount fails, which leaves out an optional one.
        foreach (var (env, isSource) in new[] { (srcEnv, true), (dstEnv, false) })
        {
            if (env is not var (name, at)) continue;
            if (Environment.GetEnvironmentVariable(name) is not { } value)
            {
                if (!p.Mandatory) return;
                throw new SpecException(at, $"the environment variable {name} is not set");
            }
            p = isSource ? p with { Src = value + p.Src } : p with { Dst = value + p.Dst };
        }
        Add(b, p, origin);
    }

    /// <summary>Adds one mount point to the spec with nsjail's meaning: read-only unless rw (the options' ro or rw
    /// win), nosuid always, nodev and noexec as asked.</summary>
    public static void Add(SpecBuilder b, NsjailMountPoint p, string origin)
    {
        if (string.IsNullOrEmpty(p.Dst)) throw new SpecException(origin, "needs a dst");
        string target = Normalize(p.Dst);
        string? fstype = string.IsNullOrEmpty(p.FsType) ? null : p.FsType;
        if (fstype is not (null or "tmpfs" or "proc" or "sysfs") || fstype == "sysfs" && target != "/sys")
            throw new SpecException(origin, $"fstype '{fstype}' at {target} is refused: the filesystems mounted here are tmpfs, proc and sysfs at /sys (docs/nsjail.md says why)");
        var options = MountOptions.Parse(p.Options, origin);
        bool readOnly = options.ReadOnly ?? !p.Rw;

        if (p.IsSymlink)
        {
            if (string.IsNullOrEmpty(p.Src)) throw new SpecException(origin, "a symlink needs a src (the text of the link)");
            if (fstype is not null || p.Content is not null || p.IsBind) throw new SpecException(origin, "a symlink takes no fstype, src_content or is_bind");
            if (p.IsDir == true) throw new SpecException(origin, "is_dir is true, but a symlink is not a directory");
            AddMount(b, options.ApplyTo(new MountSpec(p.Src, target, ReadOnly: false, Optional: !p.Mandatory) { Type = MountType.Symlink }, origin), origin);
            return;
        }

        if (p.Content is not null)
        {
            // nsjail writes the text to a file of its own and binds it: here the run directory holds it.
            if (!string.IsNullOrEmpty(p.Src) || fstype is not null) throw new SpecException(origin, "src_content takes neither src nor fstype");
            if (!readOnly) throw new SpecException(origin, "a file made from src_content is always read-only here; leave out rw: true");
            if (p.IsDir == true) throw new SpecException(origin, "is_dir is true, but src_content makes a file");
            if (target is "/" or "/dev" or "/proc" || ProvidedDevices.Contains(target))
                throw new SpecException(origin, $"cannot make a file at {target}: the sandbox provides it");
            AddMount(b, options.ApplyTo(Flags(new MountSpec(null, target, ReadOnly: true, Content: p.Content), p), origin), origin);
            return;
        }

        if (p.IsBind || (fstype is null && !string.IsNullOrEmpty(p.Src)))
        {
            if (string.IsNullOrEmpty(p.Src)) throw new SpecException(origin, "a bind needs a src");
            if (fstype is not null) throw new SpecException(origin, $"a bind has no fstype ({fstype})");
            AddBind(b, options.ApplyTo(Flags(new MountSpec(p.Src, target, readOnly, Optional: !p.Mandatory) { IsDirectory = p.IsDir }, p), origin), origin);
            return;
        }
        switch (fstype)
        {
            case "proc" when target == "/proc":
                if (options.FilesystemOption is { } fs) throw new SpecException(origin, $"the mount option '{fs}' applies to a tmpfs; proc takes none here");
                b.MountProc = true;
                b.ProcReadWrite = !readOnly;
                b.NoteOrigin("proc_path", origin);
                return;
            case "proc":
                AddMount(b, options.ApplyTo(new MountSpec(null, target, readOnly, Optional: !p.Mandatory) { Type = MountType.Proc, IsDirectory = p.IsDir }, origin), origin);
                return;
            case "tmpfs":
                if (target is "/proc") throw new SpecException(origin, $"cannot mount over {target}: the sandbox provides it");
                // nodev: true says what a tmpfs of the sandbox always is.
                AddMount(b, options.ApplyTo(new MountSpec(null, target, readOnly, Optional: !p.Mandatory) { IsDirectory = p.IsDir, NoExec = p.NoExec }, origin), origin);
                return;
            case "sysfs":
                return; // at /sys: the sandbox provides /sys: a fresh sysfs in its own network namespace, else the host's read-only
            default:
                throw new SpecException(origin, "needs is_bind with a src, or an fstype");
        }
    }

    private static MountSpec Flags(MountSpec m, NsjailMountPoint p) => m with { NoExec = p.NoExec, NoDev = p.NoDev };

    private static void AddBind(SpecBuilder b, MountSpec m, string origin)
    {
        if (m.Target == "/")
        {
            // nsjail builds its root from a bind at "/": here that is the chroot, its entries bound into the skeleton.
            if (m.NoExec || m.NoDev) throw new SpecException(origin, "a noexec or nodev root is not supported: the root's entries are bound one by one");
            b.Chroot = m.Source;
            b.ReadWrite = !m.ReadOnly;
            b.NoteOrigin("chroot", origin);
            return;
        }
        if (ProvidedDevices.Contains(m.Target))
        {
            // The same host device the sandbox binds there itself (read-write or not: a device node's use is the same).
            if (Normalize(m.Source!) == m.Target) return;
            throw new SpecException(origin, $"cannot bind {m.Source} over {m.Target}: the sandbox binds the host's {m.Target} there");
        }
        if (m.Target == "/proc") throw new SpecException(origin, "cannot mount over /proc: the sandbox provides it");
        AddMount(b, m, origin);
    }

    private static void AddMount(SpecBuilder b, MountSpec m, string origin)
    {
        b.NoteOrigin($"mount{b.Mounts.Count}", origin);
        b.Mounts.Add(m);
    }

    /// <summary>A sandbox path as nsjail takes it: absolute, without "." and "..", no trailing slash.</summary>
    public static string Normalize(string path) => Path.GetFullPath(path.StartsWith('/') ? path : "/" + path);
}
