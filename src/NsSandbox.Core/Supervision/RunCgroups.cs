using NsSandbox.Linux;
using NsSandbox.Linux.Cgroups;

namespace NsSandbox.Core.Supervision;

/// <summary>Chooses and creates a run's cgroup: v2 when it has the controllers the limits need, else the v1
/// hierarchies (hybrid hosts), as <see cref="CgroupSpec.Version"/> allows. No limit asked, no cgroup; a limit
/// asked and no usable cgroup, no run: a sandbox never runs unlimited silently. A launcher that is not root uses
/// only what it may write: its delegated cgroup v2 subtree (docs/rootless.md).</summary>
public static class RunCgroups
{
    /// <summary>Where the run's cgroup would go, chosen without changing anything; throws
    /// <see cref="CgroupUnavailableException"/> when no cgroup can take the limits asked (called before the run
    /// creates anything, and again by <see cref="Create"/>).</summary>
    public static CgroupChoice? Choose(CgroupSpec spec)
    {
        if (!spec.Limits.Any) return null;
        var layout = CgroupLayout.Read();
        var controllers = spec.Limits.Controllers;
        var reasons = new List<string>();
        uint uid = Identity.EffectiveUid;

        if (spec.Version != CgroupVersion.V1)
        {
            string? parent = V2Parent(spec, layout, out string? why);
            // A --cgroup_parent yet to be made can have at most what the hierarchy has.
            if (why is null) why = CgroupV2Parent.Unusable(Directory.Exists(parent) ? parent! : (spec.V2Mount ?? layout.V2Mount)!, controllers);
            why ??= uid == 0 ? null : NotWritable(parent!, ["cgroup.procs", "cgroup.subtree_control"], uid, "v2");
            if (why is null) return new CgroupChoice(2, layout, parent!, Delegated: uid != 0);
            reasons.Add(why);
        }
        if (spec.Version != CgroupVersion.V2)
        {
            var missing = controllers.Where(c => !layout.V1Mounts.ContainsKey(c)).ToList();
            string? why = missing.Count == 0 ? null
                : layout.V1Mounts.Count == 0 ? "no cgroup v1 hierarchy is mounted"
                : $"cgroup v1 has no {string.Join(", ", missing)} hierarchy mounted";
            if (why is null && uid != 0)
                why = controllers.Select(c => NotWritable(V1Dir(layout, spec.Parent, c), [], uid, "v1")).FirstOrDefault(w => w is not null);
            if (why is null) return new CgroupChoice(1, layout, null, Delegated: false);
            reasons.Add(why);
        }
        string hint = uid == 0 ? ""
            : "; without root, limits need a delegated cgroup v2 subtree with these controllers: run it as root, or as "
              + "`systemd-run --user --scope -p Delegate=yes nssandbox ...` (docs/rootless.md)";
        throw new CgroupUnavailableException(
            $"cgroup: no usable cgroup for the limits asked ({string.Join(", ", controllers)}): {string.Join("; ", reasons)}{hint}");
    }

    public static IRunCgroup? Create(CgroupSpec spec, string name, Action<string> recordLeaf, Action<string> say)
    {
        if (Choose(spec) is not { } choice) return null;
        if (choice.Version == 1) return CgroupV1.Create(choice.Layout, spec.Parent, name, spec.Limits, recordLeaf);
        string parent = choice.V2Parent!;
        if (spec.Parent is not null && !Directory.Exists(parent))
        {
            Directory.CreateDirectory(parent);
            say($"created the cgroup parent {parent}");
            if (CgroupV2Parent.Unusable(parent, spec.Limits.Controllers) is { } why) throw new CgroupUnavailableException($"cgroup: {why}");
        }
        if (choice.Delegated) say($"cgroup v2: the run's cgroup goes in the subtree delegated to uid {Identity.EffectiveUid}, {parent}");
        CgroupV2Parent.Prepare(parent, spec.Limits.Controllers, say);
        return CgroupV2.Create(parent, name, spec.Limits, recordLeaf);
    }

    /// <summary>Null when this launcher may create cgroups in <paramref name="dir"/> (or in the directory it would
    /// be created in) and write the named files there; else why not.</summary>
    private static string? NotWritable(string dir, string[] files, uint uid, string version)
    {
        string existing = dir;
        while (!Directory.Exists(existing) && Path.GetDirectoryName(existing) is { } up) existing = up;
        string? denied = Identity.CanWrite(existing) ? null : existing;
        if (denied is null && existing == dir)
            denied = files.Select(f => Path.Combine(dir, f)).FirstOrDefault(f => File.Exists(f) && !Identity.CanWrite(f));
        if (denied is null) return null;
        return version == "v1"
            ? $"cgroup v1 at {denied} is not writable by uid {uid} (v1 hierarchies are not delegated to users)"
            : $"cgroup v2 at {denied} is not writable by uid {uid} (not a delegated subtree)";
    }

    private static string V1Dir(CgroupLayout layout, string? parent, string controller) =>
        Path.Combine(layout.V1Mounts[controller], (parent ?? layout.V1OwnPaths.GetValueOrDefault(controller, "/")).TrimStart('/'));

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

/// <summary>The cgroup a run's limits go in: v2 under <paramref name="V2Parent"/> (a subtree delegated to this
/// non-root launcher when <paramref name="Delegated"/>), or the v1 hierarchies.</summary>
public sealed record CgroupChoice(int Version, CgroupLayout Layout, string? V2Parent, bool Delegated);

/// <summary>Limits were asked for but no cgroup can enforce them.</summary>
public sealed class CgroupUnavailableException(string message) : Exception(message);
