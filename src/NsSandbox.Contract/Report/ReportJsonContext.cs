using System.Text.Json;
using System.Text.Json.Serialization;

namespace NsSandbox.Contract;

/// <summary>Source-generated JSON (no reflection, NativeAOT- and trim-safe) for the report: the launcher writes
/// it, clients read it back.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(RunReport))]
public sealed partial class ReportJsonContext : JsonSerializerContext;

/// <summary>The report as the one JSON object the launcher writes.</summary>
public static class ReportJson
{
    public static string Serialize(RunReport report) => JsonSerializer.Serialize(report, ReportJsonContext.Default.RunReport);

    public static RunReport? Deserialize(string json) => JsonSerializer.Deserialize(json, ReportJsonContext.Default.RunReport);
}
