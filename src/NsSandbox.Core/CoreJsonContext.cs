using System.Text.Json.Serialization;
using NsSandbox.Core.Report;

namespace NsSandbox.Core;

/// <summary>Source-generated JSON (no reflection, NativeAOT-safe) for the report.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(RunReport))]
internal sealed partial class CoreJsonContext : JsonSerializerContext;
