using System.Globalization;
using System.Text.RegularExpressions;
using NsSandbox.Contract.Oci;
using NsSandbox.Linux.Cgroups;

namespace NsSandbox.Core.Oci;

/// <summary>linux.resources.hugepageLimits: the hugetlb controller's limit per page size, written as runc writes it
/// (v1 hugetlb.SIZE.limit_in_bytes, v2 hugetlb.SIZE.max, and the reservation limit beside it where the kernel has
/// one). The kubelet sends a limit for every page size the node has, 0 for those a pod does not ask for.</summary>
public sealed partial record ContainerCgroup
{
    [GeneratedRegex("^[0-9]+[KMG]B$")]
    private static partial Regex PageSizePattern();

    public static IReadOnlyList<(string PageSize, ulong Limit)> HugepageLimits(List<OciHugepageLimit>? limits, string field, string origin)
    {
        if (limits is not { Count: > 0 }) return [];
        foreach (var l in limits)
            if (!PageSizePattern().IsMatch(l.PageSize))
                throw new SpecException(origin, $"{field}: page size '{l.PageSize}' is not in the kernel's form (e.g. 2MB, 1GB, 64KB)");
        return limits.Select(l => (l.PageSize, l.Limit)).ToArray();
    }

    private static readonly string[] Hugetlb = ["hugetlb"];

    private void ApplyHugetlb(IReadOnlyList<(string PageSize, ulong Limit)> limits, string origin, string field)
    {
        if (limits.Count == 0) return;
        string dir = Version == 2 ? Dirs[""]
            : Dirs.GetValueOrDefault("hugetlb") ?? throw new SpecException(origin, $"{field}: no hugetlb cgroup v1 hierarchy is mounted");
        string suffix = Version == 2 ? "max" : "limit_in_bytes";
        foreach (var (size, limit) in limits)
        {
            string file = Path.Combine(dir, $"hugetlb.{size}.{suffix}");
            if (!File.Exists(file))
                throw new SpecException(origin, $"{field}: page size {size}: the kernel has no {Path.GetFileName(file)} (sizes here: {string.Join(", ", PageSizes(dir))})");
            string value = limit.ToString(CultureInfo.InvariantCulture);
            CgroupFs.Write(file, value);
            string reserved = Path.Combine(dir, $"hugetlb.{size}.rsvd.{suffix}");
            if (File.Exists(reserved)) CgroupFs.Write(reserved, value);
        }
    }

    private static IEnumerable<string> PageSizes(string dir) =>
        Directory.EnumerateFiles(dir, "hugetlb.*").Select(f => Path.GetFileName(f).Split('.')[1]).Distinct().Order();
}
