using System.Text.Json;
using System.Text.Json.Serialization;

namespace NsSandbox.Contract.Oci;

// The OCI runtime-spec's config.json (1.x), every field of the spec, so that a field we do not implement is
// refused by name (OciSupport) rather than lost, and a field outside the spec is refused by the reader.
// Properties are named as the spec spells them (OciJsonContext uses camelCase).

public sealed record OciSpec
{
    public string? OciVersion { get; init; }
    public OciProcess? Process { get; init; }
    public OciRoot? Root { get; init; }
    public string? Hostname { get; init; }
    public string? Domainname { get; init; }
    public List<OciMount>? Mounts { get; init; }
    public OciHooks? Hooks { get; init; }
    public Dictionary<string, string>? Annotations { get; init; }
    public OciLinux? Linux { get; init; }
    // Other platforms' sections: present means the config is not for Linux.
    public JsonElement? Solaris { get; init; }
    public JsonElement? Windows { get; init; }
    public JsonElement? Vm { get; init; }
    public JsonElement? Zos { get; init; }
}

public sealed record OciProcess
{
    public bool Terminal { get; init; }
    public OciConsoleSize? ConsoleSize { get; init; }
    public string? Cwd { get; init; }
    public List<string>? Env { get; init; }
    public List<string>? Args { get; init; }
    public string? CommandLine { get; init; }
    public List<OciRlimit>? Rlimits { get; init; }
    public string? ApparmorProfile { get; init; }
    public OciCapabilities? Capabilities { get; init; }
    public bool NoNewPrivileges { get; init; }
    public int? OomScoreAdj { get; init; }
    public JsonElement? Scheduler { get; init; }
    public string? SelinuxLabel { get; init; }
    public JsonElement? IoPriority { get; init; }
    public JsonElement? ExecCPUAffinity { get; init; }
    public OciUser? User { get; init; }
}

public sealed record OciConsoleSize(uint Height, uint Width);

public sealed record OciRlimit
{
    public required string Type { get; init; }
    public ulong Hard { get; init; }
    public ulong Soft { get; init; }
}

public sealed record OciCapabilities
{
    public List<string>? Bounding { get; init; }
    public List<string>? Effective { get; init; }
    public List<string>? Inheritable { get; init; }
    public List<string>? Permitted { get; init; }
    public List<string>? Ambient { get; init; }
}

public sealed record OciUser
{
    public uint Uid { get; init; }
    public uint Gid { get; init; }
    public uint? Umask { get; init; }
    public List<uint>? AdditionalGids { get; init; }
    public string? Username { get; init; }
}

public sealed record OciRoot
{
    public string? Path { get; init; }
    public bool Readonly { get; init; }
}

public sealed record OciMount
{
    public string? Destination { get; init; }
    public string? Source { get; init; }
    public List<string>? Options { get; init; }
    public string? Type { get; init; }
    public List<OciIdMapping>? UidMappings { get; init; }
    public List<OciIdMapping>? GidMappings { get; init; }
}

public sealed record OciIdMapping
{
    [JsonPropertyName("containerID")] public uint ContainerId { get; init; }
    [JsonPropertyName("hostID")] public uint HostId { get; init; }
    public uint Size { get; init; }
}

public sealed record OciHooks
{
    public List<OciHook>? Prestart { get; init; }
    public List<OciHook>? CreateRuntime { get; init; }
    public List<OciHook>? CreateContainer { get; init; }
    public List<OciHook>? StartContainer { get; init; }
    public List<OciHook>? Poststart { get; init; }
    public List<OciHook>? Poststop { get; init; }
}

public sealed record OciHook
{
    public required string Path { get; init; }
    public List<string>? Args { get; init; }
    public List<string>? Env { get; init; }
    public int? Timeout { get; init; }
}

public sealed record OciLinux
{
    public List<OciNamespace>? Namespaces { get; init; }
    public List<OciIdMapping>? UidMappings { get; init; }
    public List<OciIdMapping>? GidMappings { get; init; }
    public JsonElement? TimeOffsets { get; init; }
    public List<OciDevice>? Devices { get; init; }
    public string? CgroupsPath { get; init; }
    public OciResources? Resources { get; init; }
    public string? RootfsPropagation { get; init; }
    /// <summary>Kept as JSON: the seccomp compiler reads it (NsSandbox.Policy).</summary>
    public JsonElement? Seccomp { get; init; }
    public Dictionary<string, string>? Sysctl { get; init; }
    public List<string>? MaskedPaths { get; init; }
    public List<string>? ReadonlyPaths { get; init; }
    public string? MountLabel { get; init; }
    public JsonElement? IntelRdt { get; init; }
    public JsonElement? Personality { get; init; }
}

public sealed record OciNamespace
{
    public required string Type { get; init; }
    public string? Path { get; init; }
}

public sealed record OciDevice
{
    public required string Type { get; init; }
    public required string Path { get; init; }
    public long Major { get; init; }
    public long Minor { get; init; }
    public uint? FileMode { get; init; }
    public uint? Uid { get; init; }
    public uint? Gid { get; init; }
}

public sealed record OciResources
{
    public List<OciDeviceRule>? Devices { get; init; }
    public OciMemory? Memory { get; init; }
    public OciCpu? Cpu { get; init; }
    public OciPids? Pids { get; init; }
    public OciBlockIo? BlockIO { get; init; }
    public List<OciHugepageLimit>? HugepageLimits { get; init; }
    public JsonElement? Network { get; init; }
    public JsonElement? Rdma { get; init; }
    public Dictionary<string, string>? Unified { get; init; }
}

public sealed record OciHugepageLimit
{
    public required string PageSize { get; init; }
    public ulong Limit { get; init; }
}

public sealed record OciDeviceRule
{
    public bool Allow { get; init; }
    public string? Type { get; init; }
    public long? Major { get; init; }
    public long? Minor { get; init; }
    public string? Access { get; init; }
}

public sealed record OciMemory
{
    public long? Limit { get; init; }
    public long? Reservation { get; init; }
    public long? Swap { get; init; }
    public long? Kernel { get; init; }
    public long? KernelTCP { get; init; }
    public ulong? Swappiness { get; init; }
    public bool? DisableOOMKiller { get; init; }
    public bool? UseHierarchy { get; init; }
    public bool? CheckBeforeUpdate { get; init; }
}

public sealed record OciCpu
{
    public ulong? Shares { get; init; }
    public long? Quota { get; init; }
    public ulong? Burst { get; init; }
    public ulong? Period { get; init; }
    public long? RealtimeRuntime { get; init; }
    public ulong? RealtimePeriod { get; init; }
    public string? Cpus { get; init; }
    public string? Mems { get; init; }
    public long? Idle { get; init; }
}

public sealed record OciPids
{
    public long Limit { get; init; }
}

public sealed record OciBlockIo
{
    public ushort? Weight { get; init; }
    public ushort? LeafWeight { get; init; }
    public JsonElement? WeightDevice { get; init; }
    public JsonElement? ThrottleReadBpsDevice { get; init; }
    public JsonElement? ThrottleWriteBpsDevice { get; init; }
    public JsonElement? ThrottleReadIOPSDevice { get; init; }
    public JsonElement? ThrottleWriteIOPSDevice { get; init; }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow, ReadCommentHandling = JsonCommentHandling.Disallow)]
[JsonSerializable(typeof(OciSpec))]
[JsonSerializable(typeof(OciProcess))]
[JsonSerializable(typeof(OciResources))]
internal sealed partial class OciJsonContext : JsonSerializerContext;
