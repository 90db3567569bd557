namespace NsSandbox.Core.Plan;

/// <summary>Resolves a mount target as the sandbox will see it: a symlink on the way (a merged-/usr chroot's
/// /lib -> usr/lib, or a deeper one in the chroot's tree) is followed inside the sandbox's root, an absolute
/// target meaning the sandbox's "/", never the host's. So a bind at /lib lands on /usr/lib, and a hostile
/// chroot's link to a host path leads to that path inside the sandbox, where nothing is created on the host.</summary>
public static class SandboxPaths
{
    /// <summary>As the kernel's MAXSYMLINKS: more links than this on one path is a loop.</summary>
    private const int MaxLinks = 40;

    /// <param name="chroot">the root's host directory, or null for an empty root</param>
    /// <param name="reserved">top-level names the sandbox provides itself: never taken from the chroot</param>
    public static string Resolve(string target, string? chroot, IReadOnlySet<string> reserved, IHostView host, string origin) =>
        chroot is null ? target
        : Resolve(target, p => reserved.Contains(p.Split('/')[1]) ? null : host.ReadLink(chroot.TrimEnd('/') + p), origin);

    /// <summary>Resolves every symlink on the way (the last component's too when <paramref name="followLast"/>),
    /// each read by <paramref name="readLink"/> from a sandbox path: an absolute link starts again at the sandbox's
    /// root, ".." stops there.</summary>
    public static string Resolve(string target, Func<string, string?> readLink, string origin, bool followLast = true)
    {
        var pending = new Stack<string>(target.Split('/', StringSplitOptions.RemoveEmptyEntries).Reverse());
        var resolved = new List<string>();
        int links = 0;
        while (pending.TryPop(out string? part))
        {
            if (part == ".") continue;
            if (part == "..")
            {
                if (resolved.Count > 0) resolved.RemoveAt(resolved.Count - 1);
                continue;
            }
            resolved.Add(part);
            if (!followLast && pending.Count == 0) break;
            string? link = readLink("/" + string.Join('/', resolved));
            if (link is null) continue;
            if (++links > MaxLinks) throw new SpecException(origin, $"mount target {target}: too many levels of symbolic links");
            resolved.RemoveAt(resolved.Count - 1);
            if (link.StartsWith('/')) resolved.Clear();
            foreach (string p in link.Split('/', StringSplitOptions.RemoveEmptyEntries).Reverse()) pending.Push(p);
        }
        return "/" + string.Join('/', resolved);
    }
}
