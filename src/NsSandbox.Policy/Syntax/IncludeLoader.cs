namespace NsSandbox.Policy.Syntax;

/// <summary>Finds and reads #include'd files: relative to the including file, then in the search paths.</summary>
public sealed class IncludeLoader(PolicyOptions options)
{
    /// <summary>Bounds a diamond of includes, which would otherwise grow exponentially.</summary>
    public const int MaxFiles = 1000;

    private readonly Dictionary<string, string> _texts = new(StringComparer.Ordinal);
    private int _opened;

    public (string FullPath, string Text) Load(string name, string includingDirectory, SourceLocation at)
    {
        if (++_opened > MaxFiles)
            throw new PolicyException(at, $"too many #include'd files (more than {MaxFiles}); is a file included over and over?");
        var tried = new List<string>();
        string[] dirs = Path.IsPathRooted(name) ? [""] : [includingDirectory, .. options.IncludePaths];
        foreach (string dir in dirs)
        {
            string full = Path.GetFullPath(Path.Combine(dir, name));
            tried.Add(full);
            if (!System.IO.File.Exists(full)) continue;
            if (!_texts.TryGetValue(full, out string? text)) _texts[full] = text = Read(full, name, at);
            return (full, text);
        }
        throw new PolicyException(at, $"cannot #include \"{name}\": no such file (looked for {string.Join(", ", tried)})");
    }

    /// <summary>Far more than any real policy; a device such as /dev/zero must end in an error, not fill memory.</summary>
    public const int MaxChars = 16 << 20;

    /// <summary>Reads a policy file, turning I/O failures into a positioned error.</summary>
    public static string Read(string fullPath, string shownName, SourceLocation? at)
    {
        try
        {
            using var reader = new StreamReader(fullPath);
            var text = new System.Text.StringBuilder();
            var chunk = new char[1 << 16];
            int n;
            while ((n = reader.Read(chunk, 0, chunk.Length)) > 0)
            {
                if (text.Length + n > MaxChars)
                    throw new PolicyException(at, $"policy file '{shownName}' is longer than {MaxChars >> 20} Mi characters");
                text.Append(chunk, 0, n);
            }
            return text.ToString();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new PolicyException(at, $"cannot read policy file '{shownName}': {e.Message}");
        }
    }
}
