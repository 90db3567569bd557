using System.Text;

namespace NsSandbox.Frontends.Toml;

/// <summary>Writes a spec as a configuration file that loads back to the same spec (<c>config show</c>):
/// every key with its effective value; a key that is not set (the launcher's rlimits, no report) as a comment.</summary>
public static class ConfigWriter
{
    public static string Write(EffectiveConfig config)
    {
        var spec = config.Spec;
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
                object? shown = key.Show(config);
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
        if (m.IsContent)
        {
            s.AppendLine("type = \"file\"").Append("dst = ").AppendLine(ConfigText.Quote(m.Target))
                .Append("content = ").AppendLine(ConfigText.Quote(m.Content!));
            return;
        }
        if (m.IsTmpfs)
        {
            s.AppendLine("type = \"tmpfs\"").Append("dst = ").AppendLine(ConfigText.Quote(m.Target));
            if (m.TmpfsSizeBytes != tmpSize) s.Append("size = ").AppendLine(m.TmpfsSizeBytes.ToString(System.Globalization.CultureInfo.InvariantCulture));
            return;
        }
        s.AppendLine("type = \"bind\"")
            .Append("src = ").AppendLine(ConfigText.Quote(m.Source!))
            .Append("dst = ").AppendLine(ConfigText.Quote(m.Target))
            .Append("rw = ").AppendLine(m.ReadOnly ? "false" : "true");
        if (m.Optional) s.AppendLine("optional = true");
    }
}
