using NsSandbox.Linux.Cgroups;

namespace NsSandbox.Core.Supervision;

/// <summary>Chooses and creates a run's cgroup: v2 when it has the controllers the limits need, else the v1
/// hierarchies (hybrid hosts), as <see cref="CgroupSpec.Version"/> allows. No limit asked, no cgroup; a limit
/// asked and no usable cgroup, no run: a sandbox never runs unlimited silently.</summary>
public static class RunCgroups
{
    public static IRunCgroup? Create(CgroupSpec spec, string name, Action<string> recordLeaf, Action<string> say)
    {
        if (!spec.Limits.Any) return null;
        var layout = CgroupLayout.Read();
        var controllers = spec.Limits.Controllers;
        var reasons = new List<string>();

        if (spec.Version != CgroupVersion.V1)
        {
            string? parent = V2Parent(spec, layout, out string? why);
            if (why is null && spec.Parent is not null && !Directory.Exists(parent))
            {
                Directory.CreateDirectory(parent!);
                say($"created the cgroup parent {parent}");
            }
            why ??= CgroupV2Parent.Unusable(parent!, controllers);
            if (why is null)
            {
                CgroupV2Parent.Prepare(parent!, controllers, say);
                return CgroupV2.Create(parent!, name, spec.Limits, recordLeaf);
            }
            reasons.Add(why);
        }
        if (spec.Version != CgroupVersion.V2)
        {
            var missing = controllers.Where(c => !layout.V1Mounts.ContainsKey(c)).ToList();
            if (missing.Count == 0) return CgroupV1.Create(layout, spec.Parent, name, spec.Limits, recordLeaf);
            reasons.Add(layout.V1Mounts.Count == 0 ? "no cgroup v1 hierarchy is mounted"
                : $"cgroup v1 has no {string.Join(", ", missing)} hierarchy mounted");
        }
        throw new CgroupUnavailableException(
            $"cgroup: no usable cgroup for the limits asked ({string.Join(", ", controllers)}): {string.Join("; ", reasons)}");
    }

    /// <summary>The v2 directory run leaves go under: --cgroup_parent, or the launcher's own cgroup; when the
    /// launcher sits in the leaf it was moved into earlier (see <see cref="CgroupV2Parent.ProcessLeaf"/>), the
    /// cgroup above it.</summary>
    private static string? V2Parent(CgroupSpec spec, CgroupLayout layout, out string? why)
    {
        why = null;
        string? mount = spec.V2Mount ?? layout.V2Mount;
        if (mount is null)
        {
            why = "no cgroup v2 filesystem is mounted";
            return null;
        }
        string path = spec.Parent ?? layout.V2OwnPath ?? "/";
        if (spec.Parent is null && path != "/" && Path.GetFileName(path) == CgroupV2Parent.ProcessLeaf)
            path = Path.GetDirectoryName(path)!;
        return Path.Combine(mount, path.TrimStart('/'));
    }
}

/// <summary>Limits were asked for but no cgroup can enforce them.</summary>
public sealed class CgroupUnavailableException(string message) : Exception(message);
