namespace NsSandbox.Contract;

/// <summary>A host path a setting names, made absolute. An empty value names nothing (it would otherwise become
/// the current directory, or crash the path API), and a NUL character, which a TOML or nsjail escape can give,
/// cannot reach the kernel: both are usage errors naming the setting, as is a value of blanks only.</summary>
public static class HostPath
{
    public static string Full(string value, string origin)
    {
        if (value.Length == 0) throw new SpecException(origin, "expects a path; the value is empty");
        // Only blanks: never a path anyone meant (it would make a file or directory named " " where the launcher runs).
        if (string.IsNullOrWhiteSpace(value)) throw new SpecException(origin, "expects a path; the value is blank");
        if (value.Contains('\0')) throw new SpecException(origin, "the path contains a NUL character");
        return Path.GetFullPath(value);
    }

    public static string? FullOrNull(string? value, string origin) => value is null ? null : Full(value, origin);
}
