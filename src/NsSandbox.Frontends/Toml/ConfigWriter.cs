using System.Text;

namespace NsSandbox.Frontends.Toml;

/// <summary>Writes a spec as a configuration file that loads back to the same spec (<c>config show</c>):
/// every key with its effective value; a key that is not set (the launcher's rlimits, no report) as a comment.</summary>
public static class ConfigWriter
{
    public static string Write(SandboxSpec spec, RunMode mode)
    {
        var s = new StringBuilder();
        s.AppendLine("# nssandbox configuration (docs/config.md)");
        foreach (string section in ConfigKeys.Sections)
        {
            s.AppendLine().Append('[').Append(section).AppendLine("]");
            if (section == "exec" && spec.Command.Count > 0)
            {
                s.Append("path = ").AppendLine(ConfigText.Quote(spec.Command[0]));
                s.Append("args = ").AppendLine(ConfigText.Value(spec.Command.Skip(1).ToList()));
            }
            else if (section == "exec") s.AppendLine("# path and args are not set (the command comes after --)");
            foreach (var key in ConfigKeys.All.Where(k => k.Section == section && !ConfigKeys.MountFlags.Contains(k.Flag.Name)))
            {
                object? shown = key.Flag.Name == "mode" ? (mode == RunMode.Execve ? "execve" : "once") : key.Show(spec);
                if (shown is { } value) s.Append(key.Name).Append(" = ").AppendLine(ConfigText.Value(value));
                else s.Append("# ").Append(key.Name).Append(" is not set (default: ").Append(key.Flag.Default).AppendLine(")");
            }
            if (section == "fs")
                foreach (var m in spec.Mounts) Mount(s, m, spec.TmpSizeBytes);
        }
        return s.ToString();
    }

    private static void Mount(StringBuilder s, MountSpec m, ulong tmpSize)
    {
        s.AppendLine().AppendLine("[[fs.mount]]");
        void Line(string key, object value) => s.Append(key).Append(" = ").AppendLine(ConfigText.Value(value));
        switch (m.Type)
        {
            case MountType.File:
                Line("type", "file");
                Line("dst", m.Target);
                Line("content", m.Content!);
                break;
            case MountType.Symlink:
                Line("type", "symlink");
                Line("src", m.Source!);
                Line("dst", m.Target);
                break;
            case MountType.Proc:
                Line("type", "proc");
                Line("dst", m.Target);
                Line("rw", !m.ReadOnly);
                break;
            case MountType.Tmpfs:
                Line("type", "tmpfs");
                Line("dst", m.Target);
                if (m.ReadOnly) Line("rw", false);
                if (m.TmpfsSizeBytes != tmpSize) Line("size", (long)m.TmpfsSizeBytes);
                if (m.TmpfsInodes is { } inodes) Line("inodes", (long)inodes);
                if (m.TmpfsMode is { } mode) Line("mode", Convert.ToString(mode, 8).PadLeft(4, '0'));
                if (m.TmpfsUid is { } uid) Line("uid", (long)uid);
                if (m.TmpfsGid is { } gid) Line("gid", (long)gid);
                break;
            default:
                Line("type", "bind");
                Line("src", m.Source!);
                Line("dst", m.Target);
                Line("rw", !m.ReadOnly);
                if (m.IsDirectory is { } dir) Line("dir", dir);
                break;
        }
        if (m.Optional) Line("optional", true);
        if (m.NoExec) Line("noexec", true);
        if (m.NoDev) Line("nodev", true);
    }
}
