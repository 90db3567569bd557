namespace NsSandbox.Contract;

/// <summary>The documented defaults of a run (README and --help show them).</summary>
public static class Defaults
{
    public const uint NobodyId = 65534;
    public const string NobodyName = "65534";
    public const ulong MiB = 1024 * 1024;
    public const ulong TmpSizeBytes = 256 * MiB;

    public const Namespaces Namespaces =
        Contract.Namespaces.User | Contract.Namespaces.Mount | Contract.Namespaces.Pid | Contract.Namespaces.Uts |
        Contract.Namespaces.Ipc | Contract.Namespaces.Net | Contract.Namespaces.Cgroup;

    public const string Path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    /// <summary>No core dumps; everything else as the launcher has it.</summary>
    public static readonly IReadOnlyList<RlimitSpec> Rlimits = [new(RlimitResource.Core, RlimitKind.Value, 0)];
}
