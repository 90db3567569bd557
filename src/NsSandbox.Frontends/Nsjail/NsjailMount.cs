using System.Globalization;

namespace NsSandbox.Frontends.Nsjail;

/// <summary>One <c>mount { ... }</c> of an nsjail config, as the sandbox builds it: a bind of "/" (or any
/// directory) at "/" is the root; other binds and tmpfs mounts are the spec's mounts; proc at /proc is the
/// sandbox's fresh /proc; binds of the devices the sandbox's /dev already holds from the host are those.</summary>
public static class NsjailMount
{
    /// <summary>/dev entries the sandbox binds from the host itself (FilesystemPlanner).</summary>
    private static readonly string[] ProvidedDevices = ["/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom"];

    public delegate void FieldWalker(TextMessage message, IReadOnlyDictionary<string, NsjailField> schema, Action<TextField, string> apply);

    public static void Apply(SpecBuilder b, TextMessage mount, string origin, string file, FieldWalker walk)
    {
        string? src = null, dst = null, fstype = null, options = null, srcEnv = null, dstEnv = null, content = null;
        bool bind = false, rw = false, mandatory = true;
        walk(mount, NsjailFields.Mount, (f, o) =>
        {
            var v = f.Value;
            switch (f.Name)
            {
                case "src": src = NsjailValues.String(v, o); break;
                case "src_content": content = NsjailValues.String(v, o, allowNul: true); break;
                case "dst": dst = NsjailValues.String(v, o); break;
                case "prefix_src_env": srcEnv = Env(NsjailValues.String(v, o), o); break;
                case "prefix_dst_env": dstEnv = Env(NsjailValues.String(v, o), o); break;
                case "fstype": fstype = NsjailValues.String(v, o); break;
                case "options": options = NsjailValues.String(v, o); break;
                case "is_bind": bind = NsjailValues.Bool(v, o); break;
                case "rw": rw = NsjailValues.Bool(v, o); break;
                case "mandatory": mandatory = NsjailValues.Bool(v, o); break;
                case "nosuid": NsjailValues.Bool(v, o); break; // every bind is nosuid already
                case "is_dir": NsjailValues.Bool(v, o); break; // the mount point's kind follows the source here
                default: NsjailFields.Mount[f.Name].IsSet(v, o); break;
            }
        });
        if (string.IsNullOrEmpty(dst)) throw new SpecException(origin, "needs a dst");
        if (srcEnv is not null && src is not null) src = srcEnv + src;
        if (dstEnv is not null) dst = dstEnv + dst;
        string target = Normalize(dst);
        fstype = string.IsNullOrEmpty(fstype) ? null : fstype;

        if (content is not null)
        {
            // nsjail writes the text to a file of its own and binds it: here the run directory holds it.
            if (!string.IsNullOrEmpty(src) || fstype is not null) throw new SpecException(origin, "src_content takes neither src nor fstype");
            if (target is "/" or "/dev" or "/proc" || ProvidedDevices.Contains(target))
                throw new SpecException(origin, $"cannot make a file at {target}: the sandbox provides it");
            b.NoteOrigin($"mount{b.Mounts.Count}", origin);
            b.Mounts.Add(new MountSpec(null, target, ReadOnly: true, Content: content));
            return;
        }

        if (bind || (fstype is null && !string.IsNullOrEmpty(src)))
        {
            if (string.IsNullOrEmpty(src)) throw new SpecException(origin, "a bind needs a src");
            if (fstype is not null) throw new SpecException(origin, $"a bind has no fstype ({fstype})");
            CheckOptions(options, origin, bindOptions: true);
            AddBind(b, src, target, rw, mandatory, origin);
            return;
        }
        switch (fstype)
        {
            case "proc" when target == "/proc":
                b.MountProc = true;
                return;
            case "tmpfs":
                if (target is "/dev" or "/proc") throw new SpecException(origin, $"cannot mount over {target}: the sandbox provides it");
                ulong size = CheckOptions(options, origin, bindOptions: false);
                b.NoteOrigin($"mount{b.Mounts.Count}", origin);
                b.Mounts.Add(new MountSpec(null, target, ReadOnly: false, TmpfsSizeBytes: size));
                return;
            case "sysfs" when target == "/sys":
                return; // the sandbox provides /sys: a fresh sysfs in its own network namespace, else the host's read-only
            case null:
                throw new SpecException(origin, "needs is_bind with a src, or an fstype");
            default:
                throw new SpecException(origin, $"a {fstype} mount at {target} is not supported yet (docs/nsjail.md)");
        }
    }

    private static void AddBind(SpecBuilder b, string src, string target, bool rw, bool mandatory, string origin)
    {
        if (target == "/")
        {
            // nsjail builds its root from a bind at "/": here that is the chroot, its entries bound into the skeleton.
            b.Chroot = src;
            b.ReadWrite = rw;
            b.NoteOrigin("chroot", origin);
            return;
        }
        if (target == "/dev") throw new SpecException(origin, "binding over /dev is not supported yet: the sandbox provides /dev (docs/nsjail.md)");
        if (ProvidedDevices.Contains(target))
        {
            // The same host device the sandbox binds there itself (read-write or not: a device node's use is the same).
            if (Normalize(src) == target) return;
            throw new SpecException(origin, $"cannot bind {src} over {target}: the sandbox binds the host's {target} there");
        }
        if (target == "/proc") throw new SpecException(origin, "cannot mount over /proc: the sandbox provides it");
        b.NoteOrigin($"mount{b.Mounts.Count}", origin);
        b.Mounts.Add(new MountSpec(src, target, ReadOnly: !rw, Optional: !mandatory));
    }

    /// <summary>The mount options applied so far: a tmpfs's size (returned; 0 for the default). Any other option
    /// is refused by name until it is applied (nsjail's ro and rw are fields, not options).</summary>
    private static ulong CheckOptions(string? options, string origin, bool bindOptions)
    {
        ulong size = 0;
        foreach (string option in (options ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!bindOptions && option.StartsWith("size=", StringComparison.Ordinal) && Size(option[5..]) is { } bytes)
            {
                size = bytes;
                continue;
            }
            throw new SpecException(origin, $"the mount option '{option}' is not supported yet (docs/nsjail.md)");
        }
        return size;
    }

    /// <summary>A size as mount(8) takes it: bytes, or with k, m, g (powers of 1024).</summary>
    private static ulong? Size(string text)
    {
        if (text.Length == 0) return null;
        ulong unit = char.ToLowerInvariant(text[^1]) switch { 'k' => 1024, 'm' => 1024 * 1024, 'g' => 1024 * 1024 * 1024, _ => 1 };
        string digits = unit == 1 ? text : text[..^1];
        return ulong.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out ulong n) && n <= ulong.MaxValue / unit ? n * unit : null;
    }

    private static string Env(string name, string origin) =>
        Environment.GetEnvironmentVariable(name) ?? throw new SpecException(origin, $"the environment variable {name} is not set");

    /// <summary>A sandbox path as nsjail takes it: absolute, without "." and "..", no trailing slash.</summary>
    private static string Normalize(string path) => Path.GetFullPath(path.StartsWith('/') ? path : "/" + path);
}
