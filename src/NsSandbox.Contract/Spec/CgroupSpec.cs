
namespace NsSandbox.Contract;

/// <summary>Which cgroup interface limits go through: auto prefers v2 and falls back to v1 (hybrid hosts).</summary>
public enum CgroupVersion { Auto, V1, V2 }

/// <summary>The run's cgroup: its limits and where to create it. No limit means no cgroup at all.</summary>
public sealed record CgroupSpec
{
    public CgroupLimits Limits { get; init; } = new(null, null, null, null);
    public CgroupVersion Version { get; init; } = CgroupVersion.Auto;
    /// <summary>A cgroup path from each hierarchy's root (e.g. /sandboxes) to create run cgroups under; null
    /// means the launcher's own cgroup.</summary>
    public string? Parent { get; init; }
    /// <summary>Where cgroup2 is mounted; null means found in /proc/self/mountinfo.</summary>
    public string? V2Mount { get; init; }
}
