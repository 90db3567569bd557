namespace NsSandbox.Linux.Cgroups;

/// <summary>Makes a cgroup v2 directory ready to hold run leaves: the controllers the limits need must be
/// available there and enabled in its cgroup.subtree_control. Says what it changed.</summary>
public static class CgroupV2Parent
{
    /// <summary>The leaf the launcher moves a parent's processes into when the no-internal-process rule
    /// forbids enabling controllers in a cgroup that has processes of its own.</summary>
    public const string ProcessLeaf = "init";

    /// <summary>Null when ready, else why this parent cannot be used (a missing controller).</summary>
    public static string? Unusable(string parent, IReadOnlyList<string> controllers)
    {
        string? available = CgroupFs.TryRead(Path.Combine(parent, "cgroup.controllers"));
        if (available is null) return $"{parent} is not a cgroup v2 directory";
        var have = available.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var missing = controllers.Except(have).ToList();
        return missing.Count == 0 ? null
            : $"cgroup v2 at {parent} has no {string.Join(", ", missing)} controller (it has: {(have.Length == 0 ? "none" : string.Join(", ", have))})";
    }

    /// <summary>Enables <paramref name="controllers"/> for the children of <paramref name="parent"/>. A cgroup
    /// other than the root may not hold processes beside child cgroups that use controllers (cgroup v2's
    /// no-internal-process rule; a leaf made there would refuse processes), so the parent's own processes,
    /// the launcher among them, are moved into parent/init first.</summary>
    public static void Prepare(string parent, IReadOnlyList<string> controllers, Action<string> say)
    {
        bool isRoot = !File.Exists(Path.Combine(parent, "cgroup.type"));
        if (!isRoot && CgroupFs.ReadPids(Path.Combine(parent, "cgroup.procs")).Count > 0)
        {
            int moved = MoveProcessesToLeaf(parent);
            say($"moved {moved} process(es) of {parent} into {ProcessLeaf}/ (cgroup v2 allows no processes beside child cgroups)");
        }

        string control = Path.Combine(parent, "cgroup.subtree_control");
        var enabled = (CgroupFs.TryRead(control) ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var missing = controllers.Except(enabled).ToList();
        if (missing.Count == 0) return;
        string request = string.Join(' ', missing.Select(c => "+" + c));
        int errno = CgroupFs.TryWrite(control, request);
        if (errno != 0) throw new KernelException("write", $"{control} ({request})", errno);
        say($"enabled {string.Join(", ", missing)} in {control}");
    }

    private static int MoveProcessesToLeaf(string parent)
    {
        string leaf = Path.Combine(parent, ProcessLeaf);
        Directory.CreateDirectory(leaf);
        int moved = 0;
        // Processes may fork while we move them: repeat until the parent is empty.
        for (int round = 0; round < 10; round++)
        {
            var pids = CgroupFs.ReadPids(Path.Combine(parent, "cgroup.procs"));
            if (pids.Count == 0) break;
            foreach (int pid in pids)
            {
                int errno = CgroupFs.TryWrite(Path.Combine(leaf, "cgroup.procs"), pid.ToString());
                if (errno == 0) moved++;
                else if (errno != Errno.NoSuchProcess) throw new KernelException("write", $"{leaf}/cgroup.procs ({pid})", errno);
            }
        }
        return moved;
    }
}
