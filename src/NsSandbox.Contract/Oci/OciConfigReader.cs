using System.Text.Json;

namespace NsSandbox.Contract.Oci;

/// <summary>Reads a bundle's config.json. A JSON error, or a field outside the runtime-spec, is one
/// <see cref="SpecException"/> naming config.json:line:column and the field's path.</summary>
public static class OciConfigReader
{
    public static OciSpec Read(string bundle)
    {
        string path = Path.Combine(bundle, "config.json");
        byte[] json;
        try
        {
            json = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new SpecException(path, e is FileNotFoundException or DirectoryNotFoundException ? "no such file" : e.Message);
        }
        return Parse(json, path);
    }

    public static OciSpec Parse(ReadOnlySpan<byte> json, string origin) => Parse(json, origin, OciJsonContext.Default.OciSpec);

    /// <summary>A process object alone (`exec --process FILE`).</summary>
    public static OciProcess ReadProcess(string path)
    {
        byte[] json;
        try
        {
            json = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new SpecException(path, e is FileNotFoundException or DirectoryNotFoundException ? "no such file" : e.Message);
        }
        return Parse(json, path, OciJsonContext.Default.OciProcess);
    }

    /// <summary>A resources object alone (`update -r FILE`, or what containerd's shim writes to its stdin).</summary>
    public static OciResources ParseResources(ReadOnlySpan<byte> json, string origin) => Parse(json, origin, OciJsonContext.Default.OciResources);

    private static T Parse<T>(ReadOnlySpan<byte> json, string origin, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type)
    {
        try
        {
            return JsonSerializer.Deserialize(json, type) ?? throw new SpecException(origin, "the configuration is null");
        }
        catch (JsonException e)
        {
            // System.Text.Json counts lines and bytes from 0.
            string where = e.LineNumber is { } line ? $"{origin}:{line + 1}:{(e.BytePositionInLine ?? 0) + 1}" : origin;
            string field = string.IsNullOrEmpty(e.Path) || e.Path == "$" ? "" : $"{e.Path.TrimStart('$', '.')}: ";
            throw new SpecException(where, field + Describe(e));
        }
    }

    // The serializer's messages name .NET types; say what is wrong in the spec's terms.
    private static string Describe(JsonException e)
    {
        string m = e.Message;
        if (m.Contains("could not be mapped", StringComparison.Ordinal))
        {
            int q1 = m.IndexOf('\''), q2 = q1 < 0 ? -1 : m.IndexOf('\'', q1 + 1);
            string name = q2 > q1 ? m[(q1 + 1)..q2] : "a field";
            return $"'{name}' is not a field of the OCI runtime-spec here";
        }
        if (m.Contains("could not be converted", StringComparison.Ordinal)) return "a value of the wrong type";
        if (m.Contains("missing required properties", StringComparison.Ordinal))
        {
            int colon = m.IndexOf(':');
            return "missing required field" + (colon > 0 ? m[colon..].Split('.')[0] : "");
        }
        int dot = m.IndexOf(". Path:", StringComparison.Ordinal);
        return dot > 0 ? m[..dot] : m;
    }
}
