namespace NsSandbox.Policy;

/// <summary>Where a policy comes from: a file, or text (from --seccomp_string) whose #include lines are
/// looked up relative to <see cref="BaseDirectory"/>.</summary>
public sealed record PolicySource(string Name, string Text, string BaseDirectory)
{
    public const string StringName = "<string>";

    /// <summary>Reads the file; a missing or unreadable file is a <see cref="PolicyException"/>.</summary>
    public static PolicySource FromFile(string path)
    {
        string full = Path.GetFullPath(path);
        return new PolicySource(path, Syntax.IncludeLoader.Read(full, path, at: null), Path.GetDirectoryName(full)!);
    }

    public static PolicySource FromText(string text, string? baseDirectory = null) =>
        new(StringName, text, baseDirectory ?? Directory.GetCurrentDirectory());
}

/// <summary>Options shared by every compile: where #include looks after the including file's directory, and
/// whether to accept only kafel's language (<c>policy check --kafel</c>: every NsSandbox extension is an error).</summary>
public sealed record PolicyOptions
{
    public IReadOnlyList<string> IncludePaths { get; init; } = [];

    public bool Kafel { get; init; }

    public static PolicyOptions Default { get; } = new();
}
