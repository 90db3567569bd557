namespace NsSandbox.Client;

/// <summary>A TOML profile: the launcher's own configuration file (docs/config.md), passed with <c>--config</c>.
/// The launcher reads and validates it, so a profile means exactly what it means on the command line (keys,
/// relative paths resolved beside the file, errors at file:line:column); options given with it override it.
/// <see cref="NsSandboxClient.CheckProfileAsync"/> validates one ahead of use.</summary>
public sealed record SandboxProfile
{
    /// <summary>The file's absolute path.</summary>
    public string Path { get; }

    private SandboxProfile(string path) => Path = path;

    /// <summary>The profile in <paramref name="path"/>, which must exist.</summary>
    /// <exception cref="FileNotFoundException">No such file.</exception>
    public static SandboxProfile FromFile(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string full = System.IO.Path.GetFullPath(path);
        if (!File.Exists(full)) throw new FileNotFoundException($"no profile at {full}", full);
        return new SandboxProfile(full);
    }

    /// <summary>The profile NAME.toml in <paramref name="directory"/> (such as the repository's configs/).</summary>
    public static SandboxProfile Named(string directory, string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (name.IndexOfAny(['/', '\\']) >= 0 || name.StartsWith('.'))
            throw new ArgumentException($"'{name}' is not a profile name", nameof(name));
        return FromFile(System.IO.Path.Combine(directory, name + ".toml"));
    }
}
