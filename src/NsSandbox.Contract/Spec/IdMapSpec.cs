namespace NsSandbox.Contract;

/// <summary>One range of a user namespace's uid or gid map as asked for (nsjail's inside:outside:count): ids
/// [Inside, Inside+Count) inside the sandbox are [Outside, Outside+Count) on the host. Inside is a number, a name
/// from the sandbox root's /etc/passwd (or group), or "" for the launcher's own id; Outside a number, a name from
/// the host's /etc, or null (or "") for the launcher's default outside id (nobody when it runs as root). The
/// planner resolves and checks them; <paramref name="Origin"/> names the flag or config field.</summary>
public sealed record IdMapSpec(string Inside, string? Outside, uint Count,
    [property: System.Text.Json.Serialization.JsonIgnore] string Origin)
{
    /// <summary>nsjail's text form INSIDE[:OUTSIDE[:COUNT]]; a missing or 0 count is 1, as in nsjail.</summary>
    public static IdMapSpec Parse(string text, string origin)
    {
        string[] parts = text.Split(':');
        if (parts.Length > 3) throw new SpecException(origin, $"'{text}' is not INSIDE:OUTSIDE:COUNT");
        uint count = 1;
        if (parts.Length == 3 && parts[2].Length > 0)
        {
            if (!uint.TryParse(parts[2], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out count))
                throw new SpecException(origin, $"'{parts[2]}' in '{text}' is not a count of ids");
            if (count == 0) count = 1;
        }
        return new IdMapSpec(parts[0], parts.Length > 1 && parts[1].Length > 0 ? parts[1] : null, count, origin);
    }

    /// <summary>INSIDE:OUTSIDE:COUNT, as the flag and the TOML key take it back.</summary>
    public override string ToString() => $"{Inside}:{Outside}:{Count}";
}
