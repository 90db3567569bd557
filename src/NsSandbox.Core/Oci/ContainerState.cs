using System.Text.Json;
using System.Text.Json.Serialization;

namespace NsSandbox.Core.Oci;

/// <summary>What the runtime keeps of a container between its commands, in ROOT/ID/nssandbox.json (runc keeps
/// state.json in the same place; the name differs so neither runtime misreads the other's).</summary>
public sealed record ContainerState
{
    public required string Id { get; init; }
    public required string Bundle { get; init; }
    public required string RootFs { get; init; }
    public required int Pid { get; init; }
    /// <summary>The pid's start time (/proc/PID/stat), so a reused pid is not taken for the container.</summary>
    public required ulong PidStartTime { get; init; }
    public required DateTimeOffset Created { get; init; }
    public required int CgroupVersion { get; init; }
    public required Dictionary<string, string> CgroupDirs { get; init; }
    public Dictionary<string, string> Annotations { get; init; } = [];
    public bool Started { get; init; }
}

/// <summary>The OCI state document `state` prints (runtime-spec "State"), with runc's extra fields.</summary>
public sealed record OciState
{
    [JsonPropertyName("ociVersion")] public required string OciVersion { get; init; }
    [JsonPropertyName("id")] public required string Id { get; init; }
    [JsonPropertyName("pid")] public required int Pid { get; init; }
    [JsonPropertyName("status")] public required string Status { get; init; }
    [JsonPropertyName("bundle")] public required string Bundle { get; init; }
    [JsonPropertyName("rootfs")] public required string RootFs { get; init; }
    [JsonPropertyName("created")] public required DateTimeOffset Created { get; init; }
    [JsonPropertyName("owner")] public string Owner { get; init; } = "";
    [JsonPropertyName("annotations")] public Dictionary<string, string>? Annotations { get; init; }
}

[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(ContainerState))]
[JsonSerializable(typeof(OciState))]
[JsonSerializable(typeof(List<OciState>))]
internal sealed partial class OciStateJsonContext : JsonSerializerContext;

/// <summary>The state as hooks read it on stdin: one line.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(OciState))]
internal sealed partial class OciStateLineJsonContext : JsonSerializerContext;
