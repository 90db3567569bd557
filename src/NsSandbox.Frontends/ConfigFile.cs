using System.Text.RegularExpressions;
using NsSandbox.Frontends.Nsjail;
using NsSandbox.Frontends.Toml;

namespace NsSandbox.Frontends;

/// <summary>--config FILE: a TOML file (docs/config.md) or an nsjail config in protobuf text format
/// (docs/nsjail.md), told apart by content: the first line that is not blank or a comment is TOML's
/// <c>[section]</c> or <c>key = value</c>, or nsjail's <c>field: value</c> or <c>field {</c>.</summary>
public static partial class ConfigFile
{
    public enum Format { Toml, Nsjail }

    public static void Apply(SpecBuilder b, string file, string origin)
    {
        string text = Read(file, origin);
        if (Detect(text) == Format.Nsjail) NsjailConfigLoader.ApplyText(b, text, file);
        else ConfigLoader.ApplyText(b, text, file);
    }

    public static Format Detect(string text)
    {
        foreach (string raw in text.Split('\n'))
        {
            string line = raw.Trim();
            if (line.Length == 0 || line[0] == '#') continue;
            return NsjailLine().IsMatch(line) ? Format.Nsjail : Format.Toml;
        }
        return Format.Toml;
    }

    /// <summary>A path the file names, relative to the directory of the file itself (a symlink to it
    /// followed), so a profile can name a policy beside it wherever it is linked from.</summary>
    public static string RelativeTo(string file, string path)
    {
        if (path.Length == 0 || Path.IsPathRooted(path)) return path;
        var info = new FileInfo(Path.GetFullPath(file));
        string real = info.ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? info.FullName;
        return Path.Combine(Path.GetDirectoryName(real)!, path);
    }

    public static string Read(string file, string origin)
    {
        HostPath.Full(file, origin);
        try
        {
            return File.ReadAllText(file);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            string why = e switch
            {
                FileNotFoundException or DirectoryNotFoundException => "No such file or directory",
                UnauthorizedAccessException => "Permission denied",
                _ => e.Message,
            };
            throw new SpecException(origin, $"cannot read {file}: {why}");
        }
    }

    [GeneratedRegex(@"^[A-Za-z_][A-Za-z0-9_]*\s*(:|\{|<)")]
    private static partial Regex NsjailLine();
}
