using NsSandbox.Contract.Oci;
using NsSandbox.Core.Plan;
using NsSandbox.Linux;

namespace NsSandbox.Core.Oci;

/// <summary>A container resolved from its bundle's config.json by <see cref="ContainerPlanner"/>: host paths
/// (inside the rootfs, symlinks resolved inside it), namespaces to make and to join, the mounts in order, the
/// process's credentials and its compiled seccomp filter, the cgroup and the hooks. The runtime reads only this.</summary>
public sealed record ContainerPlan
{
    public required string Id { get; init; }
    public required string Bundle { get; init; }
    public required string RootFs { get; init; }
    public required bool RootReadOnly { get; init; }
    /// <summary>MS_* propagation for the container's "/" (rootfsPropagation), or 0 for private.</summary>
    public MountFlags RootPropagation { get; init; }
    public required Namespaces NewNamespaces { get; init; }
    /// <summary>Namespaces joined by path (a network namespace Docker made): the clone happens inside them.</summary>
    public required IReadOnlyList<NamespaceJoin> Joins { get; init; }
    public UserMapping? Users { get; init; }
    /// <summary>The rootfs is id-mapped into the user namespace (--hardened's own one): the runtime makes the tree
    /// and stage 2 receives it.</summary>
    public bool IdMappedRoot { get; init; }
    public required IReadOnlyList<ContainerMount> Mounts { get; init; }
    public required IReadOnlyList<ContainerDevice> Devices { get; init; }
    /// <summary>maskedPaths and readonlyPaths, as paths inside the container (applied after pivot_root).</summary>
    public required IReadOnlyList<MaskedPath> Masked { get; init; }
    public required IReadOnlyList<string> ReadOnlyPaths { get; init; }
    /// <summary>/proc/sys files and their values, written in the container's namespaces.</summary>
    public required IReadOnlyList<KeyValuePair<string, string>> Sysctls { get; init; }
    public string? Hostname { get; init; }
    public string? Domainname { get; init; }
    public required ContainerProcess Process { get; init; }
    public required SeccompProgram Seccomp { get; init; }
    public string? CgroupsPath { get; init; }
    public required ContainerResources Resources { get; init; }
    public required OciHooks Hooks { get; init; }
    public required IReadOnlyDictionary<string, string> Annotations { get; init; }
}

/// <summary>config.json's process (or an exec's process.json), resolved: what the container's process (or the
/// exec'd one) runs as and runs.</summary>
public sealed record ContainerProcess
{
    public required IReadOnlyList<RlimitOp> Rlimits { get; init; }
    public required uint Uid { get; init; }
    public required uint Gid { get; init; }
    public required IReadOnlyList<uint> AdditionalGids { get; init; }
    public required CapabilitySets Capabilities { get; init; }
    public required string Cwd { get; init; }
    public required IReadOnlyList<string> Argv { get; init; }
    public required IReadOnlyList<string> ExecCandidates { get; init; }
    public required IReadOnlyList<string> Env { get; init; }
    public int? OomScoreAdj { get; init; }
    /// <summary>noNewPrivileges (always with --hardened): without it, setuid binaries and file capabilities work
    /// in the container and a seccomp filter is loaded before the ids and capabilities change, as runc does.</summary>
    public bool NoNewPrivileges { get; init; }
    /// <summary>What the runtime says about the process without refusing it (ambient capabilities it cannot raise).</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];
    public bool Terminal { get; init; }
    /// <summary>process.consoleSize: rows and columns of the terminal.</summary>
    public (uint Rows, uint Columns)? ConsoleSize { get; init; }
}

public sealed record NamespaceJoin(Namespaces Kind, string Path);

public enum ContainerMountKind { Bind, Filesystem, Cgroup }

/// <summary>One entry of config.json's mounts. Target is a host path inside the rootfs; MakeFile: the mount point
/// is a file (a bind of a file).</summary>
public sealed record ContainerMount(ContainerMountKind Kind, string Destination, string Target, string? Source, string? FsType,
    MountOptions Options, bool MakeFile);

public sealed record ContainerDevice(string Target, uint Mode, ulong Device, string HostPath);

public sealed record MaskedPath(string Path, bool Directory);

/// <summary>The five capability sets as bit masks (bit N is capability N).</summary>
public sealed record CapabilitySets(ulong Bounding, ulong Effective, ulong Permitted, ulong Inheritable, ulong Ambient);

/// <summary>linux.resources as the cgroup layer applies them; null is not limited.</summary>
public sealed record ContainerResources(long? MemoryLimit, long? MemorySwap, long? MemoryReservation, long? PidsLimit,
    ulong? CpuShares, long? CpuQuota, ulong? CpuPeriod, IReadOnlyList<OciDeviceRule> DeviceRules)
{
    /// <summary>cpu.cpus and cpu.mems (cpuset), as the kernel reads them ("0-3,5").</summary>
    public string? Cpus { get; init; }
    public string? Mems { get; init; }
    /// <summary>hugetlb limits by page size ("2MB"), in bytes.</summary>
    public IReadOnlyList<(string PageSize, ulong Limit)> Hugepages { get; init; } = [];

    public bool Any => MemoryLimit is not null || MemorySwap is not null || MemoryReservation is not null || PidsLimit is not null
        || CpuShares is not null || CpuQuota is not null || DeviceRules.Count > 0 || Cpus is not null || Mems is not null
        || Hugepages.Count > 0;
}
