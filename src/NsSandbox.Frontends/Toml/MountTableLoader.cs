using System.Globalization;
using Tomlyn.Syntax;

namespace NsSandbox.Frontends.Toml;

/// <summary>A [[fs.mount]] table: a bind, tmpfs, file, symlink or proc mount with named fields. A bind or tmpfs
/// goes through its flag (--bindmount, --bindmount_ro, --tmpfsmount), so it is checked exactly as the flag is;
/// the fields no flag has are then set on the mount.</summary>
public static class MountTableLoader
{
    /// <summary>Every field, and the types that take it (type, dst and optional are checked on their own).</summary>
    private static readonly Dictionary<string, string[]> Fields = new()
    {
        ["type"] = [], ["dst"] = [], ["optional"] = [],
        ["src"] = ["bind", "symlink"], ["content"] = ["file"], ["rw"] = ["bind", "tmpfs", "proc"],
        ["size"] = ["tmpfs"], ["inodes"] = ["tmpfs"], ["mode"] = ["tmpfs"], ["uid"] = ["tmpfs"], ["gid"] = ["tmpfs"],
        ["noexec"] = ["bind", "tmpfs", "file"], ["nodev"] = ["bind", "file"], ["dir"] = ["bind"],
    };

    private static readonly string[] Types = ["bind", "tmpfs", "file", "symlink", "proc"];

    public static void Apply(SpecBuilder b, MountTable m, string file)
    {
        string origin = ConfigLoader.Origin(file, m.At, m.Path);
        var values = new Dictionary<string, (ValueSyntax Value, string Origin)>();
        foreach (var f in m.Fields)
        {
            if (!Fields.ContainsKey(f.Path))
            {
                string nearest = Fields.Keys.OrderBy(x => Policy.Syscalls.EditDistance.Between(f.Path, x)).First();
                throw new SpecException($"{ConfigSyntax.Where(file, f.KeyAt)}: {m.Path}.{f.Path}", $"unknown key; did you mean {m.Path}.{nearest}?");
            }
            values[f.Path] = (f.Value, ConfigLoader.Origin(file, f.Value.Span.Start, $"{m.Path}.{f.Path}"));
        }
        string type = values.TryGetValue("type", out var t) ? ConfigLoader.Text(t.Value, t.Origin, "a string") : "bind";
        if (!Types.Contains(type))
            throw new SpecException(t.Origin, $"'{type}' is not a mount type; use {string.Join(", ", Types[..^1])} or {Types[^1]}");
        foreach (var (name, (_, at)) in values)
            if (Fields[name].Length > 0 && !Fields[name].Contains(type))
                throw new SpecException(at, $"a {type} mount takes no {name} (only {string.Join(", ", Fields[name])} mounts do)");

        string? Str(string name) => values.TryGetValue(name, out var v) ? ConfigLoader.Text(v.Value, v.Origin, "a string") : null;
        bool? Bool(string name) => values.TryGetValue(name, out var v)
            ? v.Value is BooleanValueSyntax x ? x.Value : throw ConfigLoader.WrongType(v.Origin, "a boolean (true or false)", v.Value)
            : null;
        string? src = Str("src"), dst = Str("dst");
        bool? rw = Bool("rw");
        bool optional = Bool("optional") ?? false;

        switch (type)
        {
            case "bind":
                if (src is null) throw new SpecException(origin, "a bind mount needs src");
                // Not through the flag's SRC:DST text: src and dst are fields, so a ':' in either is part of the path.
                if (string.IsNullOrWhiteSpace(src)) throw new SpecException(values["src"].Origin, $"the source path is {(src.Length == 0 ? "empty" : "blank")}");
                if (string.IsNullOrWhiteSpace(dst) && dst is not null)
                    throw new SpecException(values["dst"].Origin, $"the mount target is {(dst.Length == 0 ? "empty" : "blank")}");
                Add(b, origin, new MountSpec(src, dst ?? src, ReadOnly: rw != true, Optional: optional) { IsDirectory = Bool("dir") });
                break;
            case "tmpfs":
                if (dst is null) throw new SpecException(origin, "a tmpfs needs dst");
                Cli.FlagTable.ByName("tmpfsmount")!.Apply(b, dst, origin);
                b.Mounts[^1] = b.Mounts[^1] with
                {
                    ReadOnly = rw == false,
                    Optional = optional,
                    TmpfsSizeBytes = values.TryGetValue("size", out var size) ? Cli.Values.Size(size.Origin, Number(size, "a size (a number of bytes, or a string like \"64M\")")) : 0,
                    TmpfsInodes = values.TryGetValue("inodes", out var inodes) ? Cli.Values.Size(inodes.Origin, Number(inodes, "a number of inodes (or a string like \"10k\")")) : null,
                    TmpfsMode = values.TryGetValue("mode", out var mode) ? Mode(mode.Value, mode.Origin) : null,
                    TmpfsUid = values.TryGetValue("uid", out var uid) ? Id(uid.Value, uid.Origin) : null,
                    TmpfsGid = values.TryGetValue("gid", out var gid) ? Id(gid.Value, gid.Origin) : null,
                };
                break;
            case "file":
                string? content = values.TryGetValue("content", out var c) ? ConfigLoader.Text(c.Value, c.Origin, "a string", allowNul: true) : null;
                if (content is null || dst is null) throw new SpecException(origin, "a file needs content and dst");
                if (values.ContainsKey("optional")) throw new SpecException(values["optional"].Origin, "a file made from content is never optional");
                Add(b, origin, new MountSpec(null, dst, ReadOnly: true, Content: content));
                break;
            case "symlink":
                if (src is null || dst is null) throw new SpecException(origin, "a symlink needs src (its text) and dst (where it is made)");
                Add(b, origin, new MountSpec(src, dst, ReadOnly: false, Optional: optional) { Type = MountType.Symlink });
                break;
            case "proc":
                if (dst is null) throw new SpecException(origin, "a proc mount needs dst");
                if (Nsjail.NsjailMount.Normalize(dst) == "/proc")
                    throw new SpecException(origin, "the fresh /proc is the sandbox's own; fs.proc-rw and fs.disable-proc say how it is mounted");
                Add(b, origin, new MountSpec(null, dst, ReadOnly: rw != true, Optional: optional) { Type = MountType.Proc });
                break;
        }
        if (type is "bind" or "tmpfs" or "file")
            b.Mounts[^1] = b.Mounts[^1] with { NoExec = Bool("noexec") ?? false, NoDev = Bool("nodev") ?? false };
    }

    private static void Add(SpecBuilder b, string origin, MountSpec m)
    {
        b.NoteOrigin($"mount{b.Mounts.Count}", origin);
        b.Mounts.Add(m);
    }

    private static string Number((ValueSyntax Value, string Origin) v, string expected) => v.Value switch
    {
        IntegerValueSyntax n when n.Value >= 0 => n.Value.ToString(CultureInfo.InvariantCulture),
        StringValueSyntax s => s.Value!,
        _ => throw ConfigLoader.WrongType(v.Origin, expected, v.Value),
    };

    /// <summary>Permission bits: an integer (0o1777 in TOML's octal) or a string in octal ("1777").</summary>
    private static uint Mode(ValueSyntax value, string origin)
    {
        long mode = value switch
        {
            IntegerValueSyntax n => n.Value,
            StringValueSyntax s when s.Value!.Length is > 0 and <= 5 && s.Value.All(c => c is >= '0' and <= '7') => Convert.ToInt64(s.Value, 8),
            _ => throw ConfigLoader.WrongType(origin, "permission bits: an integer such as 0o755, or a string in octal such as \"0755\"", value),
        };
        return mode is >= 0 and <= 0xFFF ? (uint)mode : throw new SpecException(origin, $"{Convert.ToString(mode, 8)} is not a permission mode (octal, at most 7777)");
    }

    private static uint Id(ValueSyntax value, string origin) =>
        value is IntegerValueSyntax n ? n.Value is >= 0 and < uint.MaxValue ? (uint)n.Value : throw new SpecException(origin, $"{n.Value} is not a user or group id")
        : throw ConfigLoader.WrongType(origin, "an id (a whole number)", value);
}
