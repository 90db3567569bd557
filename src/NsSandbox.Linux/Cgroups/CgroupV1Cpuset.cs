namespace NsSandbox.Linux.Cgroups;

/// <summary>A new directory of the v1 cpuset hierarchy starts with no cpus and no memory nodes, and refuses
/// processes until it has both: each level from the hierarchy's root down takes its parent's.</summary>
public static class CgroupV1Cpuset
{
    public static void Inherit(string mount, string dir)
    {
        string relative = Path.GetRelativePath(mount, dir);
        if (relative.StartsWith("..", StringComparison.Ordinal)) throw new ArgumentException($"{dir} is not under {mount}", nameof(dir));
        string parent = mount;
        foreach (string part in relative.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            string child = Path.Combine(parent, part);
            foreach (string file in new[] { "cpuset.cpus", "cpuset.mems" })
            {
                if ((CgroupFs.TryRead(Path.Combine(child, file)) ?? "").Trim().Length > 0) continue;
                CgroupFs.Write(Path.Combine(child, file), (CgroupFs.TryRead(Path.Combine(parent, file)) ?? "").Trim());
            }
            parent = child;
        }
    }
}
