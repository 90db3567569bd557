namespace NsSandbox.Client.Tests;

/// <summary>The host's cgroup hierarchies, read from mountinfo: where a test's --cgroup_parent would appear.</summary>
public static class CgroupMounts
{
    /// <summary>(mount point, controllers) of every cgroup and cgroup2 mount.</summary>
    public static IEnumerable<(string MountPoint, string[] Controllers)> All() =>
        File.ReadAllLines("/proc/self/mountinfo")
            .Select(l => l.Split(' '))
            .Select(f => (Fields: f, Dash: Array.IndexOf(f, "-")))
            .Where(x => x.Dash > 0 && x.Fields[x.Dash + 1] is "cgroup" or "cgroup2")
            .Select(x => (x.Fields[4], x.Fields[x.Dash + 1] == "cgroup2"
                ? ReadControllers(x.Fields[4])
                : x.Fields[x.Dash + 3].Split(',')));

    public static bool Offers(string controller) => All().Any(m => m.Controllers.Contains(controller));

    /// <summary>The directories of the cgroup path <paramref name="parent"/> (from the root, like /jobs) in each
    /// hierarchy.</summary>
    public static IEnumerable<string> Directories(string parent) =>
        All().Select(m => Path.Combine(m.MountPoint, parent.TrimStart('/'))).Where(Directory.Exists);

    private static string[] ReadControllers(string mount)
    {
        string file = Path.Combine(mount, "cgroup.controllers");
        return File.Exists(file) ? File.ReadAllText(file).Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) : [];
    }
}
