namespace NsSandbox.Linux.Cgroups;

/// <summary>Where the cgroup hierarchies are mounted and where this process sits in them, from
/// /proc/self/mountinfo and /proc/self/cgroup. Own paths are relative to the mount: a container without its own
/// cgroup namespace sees its cgroup as /docker/ID in /proc/self/cgroup, but mounted as the root of
/// /sys/fs/cgroup/memory (mountinfo's root field is /docker/ID).</summary>
public sealed record CgroupLayout(
    string? V2Mount, string? V2OwnPath,
    IReadOnlyDictionary<string, string> V1Mounts, IReadOnlyDictionary<string, string> V1OwnPaths)
{
    public static CgroupLayout Read() =>
        Parse(File.ReadAllLines("/proc/self/mountinfo"), File.ReadAllLines("/proc/self/cgroup"));

    public static CgroupLayout Parse(IEnumerable<string> mountinfo, IEnumerable<string> procCgroup)
    {
        string? v2 = null, v2Root = null;
        var v1 = new Dictionary<string, string>();
        var v1Roots = new Dictionary<string, string>();
        foreach (string line in mountinfo)
        {
            // ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPEROPTIONS
            string[] f = line.Split(' ');
            int dash = Array.IndexOf(f, "-");
            if (dash < 0 || dash + 3 >= f.Length) continue;
            string mountPoint = Unescape(f[4]);
            string root = Unescape(f[3]);
            if (f[dash + 1] == "cgroup2" && v2 is null) (v2, v2Root) = (mountPoint, root);
            else if (f[dash + 1] == "cgroup")
                foreach (string opt in f[dash + 3].Split(','))
                    if (opt is "memory" or "pids" or "cpu" or "cpuacct" or "devices" or "freezer" or "cpuset" && v1.TryAdd(opt, mountPoint)) v1Roots[opt] = root;
        }

        string? v2Own = null;
        var v1Own = new Dictionary<string, string>();
        foreach (string line in procCgroup)
        {
            string[] f = line.Split(':', 3);
            if (f.Length != 3) continue;
            if (f[0] == "0" && f[1] == "") v2Own = UnderRoot(f[2], v2Root);
            else foreach (string c in f[1].Split(',')) v1Own[c] = UnderRoot(f[2], v1Roots.GetValueOrDefault(c));
        }
        return new CgroupLayout(v2, v2Own, v1, v1Own);
    }

    /// <summary>A cgroup path made relative to the mount whose root is <paramref name="root"/>.</summary>
    private static string UnderRoot(string path, string? root)
    {
        if (root is null or "/") return path;
        if (path == root) return "/";
        return path.StartsWith(root + "/", StringComparison.Ordinal) ? path[root.Length..] : path;
    }

    private static string Unescape(string s) => s.Replace("\\040", " ").Replace("\\011", "\t").Replace("\\012", "\n").Replace("\\134", "\\");
}
