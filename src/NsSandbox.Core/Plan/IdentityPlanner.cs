namespace NsSandbox.Core.Plan;

/// <summary>The sandbox's user and group, and its user namespace's uid and gid maps (nsjail's
/// inside:outside:count ranges), resolved and checked against the kernel's rules before anything runs.</summary>
public static class IdentityPlanner
{
    /// <summary>What the planner needs: the ids inside, the maps (null without a user namespace) and warnings
    /// for the launcher to print (the host's root mapped in).</summary>
    public sealed record Identity(uint Uid, uint Gid, UserMapping? Users, IReadOnlyList<string> Warnings);

    /// <summary>UID_GID_MAP_MAX_EXTENTS (Linux 4.15+).</summary>
    public const int MaxRanges = 340;

    /// <summary>A map file takes one write shorter than a page.</summary>
    private const int MaxMapText = 4095;

    private sealed record Range(IdMap Map, string Origin, bool Explicit);

    public static Identity Plan(SandboxSpec spec, IHostView host)
    {
        // Names inside are the sandbox's own: its root's /etc, or the host's when the root is empty (as nsjail does).
        string root = spec.Chroot ?? "/";
        uint uid = IdResolver.Resolve(spec.User, root, "passwd", UserOrigin(spec, "user", spec.UidMaps), host);
        uint gid = IdResolver.Resolve(spec.Group, root, "group", UserOrigin(spec, "group", spec.GidMaps), host);
        if (!spec.Namespaces.HasFlag(Namespaces.User)) return new Identity(uid, gid, null, []);

        // Root maps the sandbox's ids to nobody outside unless told otherwise (a check outside the namespace then
        // sees an unprivileged id); anyone else can map only their own ids.
        bool privileged = host.EffectiveUid == 0;
        var uids = Ranges(spec.UidMaps, uid, privileged ? Defaults.NobodyId : host.EffectiveUid, "passwd", root,
            UserOrigin(spec, "user", spec.UidMaps), host);
        var gids = Ranges(spec.GidMaps, gid, privileged ? Defaults.NobodyId : host.EffectiveGid, "group", root,
            UserOrigin(spec, "group", spec.GidMaps), host);
        if (!privileged)
        {
            OnlyOwn(uids, host.EffectiveUid, "uid");
            OnlyOwn(gids, host.EffectiveGid, "gid");
        }
        // A privileged parent may allow setgroups, so stage 2 can drop the supplementary groups it inherited
        // (root's); an unprivileged one must deny it before it may write gid_map.
        var users = new UserMapping(uids.Select(r => r.Map).ToList(), gids.Select(r => r.Map).ToList(), privileged);
        return new Identity(uid, gid, users, RootWarning(uids, gids));
    }

    private static string UserOrigin(SandboxSpec spec, string setting, IReadOnlyList<IdMapSpec> maps) =>
        spec.OriginOf(setting, maps.Count > 0 ? maps[0].Origin : "--" + setting);

    /// <summary>The ranges asked for, with the sandbox's own id mapped to the default outside id first unless a
    /// range holds it; checked as the kernel checks a map write.</summary>
    private static List<Range> Ranges(IReadOnlyList<IdMapSpec> asked, uint sandboxId, uint defaultOutside, string database,
        string root, string sandboxOrigin, IHostView host)
    {
        string kind = database == "passwd" ? "uid" : "gid";
        var ranges = new List<Range>();
        foreach (var m in asked)
        {
            uint inside = IdResolver.Resolve(m.Inside, root, database, m.Origin, host);
            bool given = !string.IsNullOrEmpty(m.Outside);
            if (!given && m.Count > 1)
                throw new SpecException(m.Origin, $"a range of {m.Count} {kind}s needs the outside {kind} it starts at (INSIDE:OUTSIDE:COUNT)");
            uint outside = given ? IdResolver.Resolve(m.Outside!, "/", database, m.Origin, host) : defaultOutside;
            // -1 is no id: a range may end just before it.
            if ((ulong)inside + m.Count > uint.MaxValue || (ulong)outside + m.Count > uint.MaxValue)
                throw new SpecException(m.Origin, $"{inside}:{outside}:{m.Count} runs past the largest {kind} ({uint.MaxValue - 1})");
            ranges.Add(new Range(new IdMap(inside, outside, m.Count), m.Origin, given));
        }
        if (UserMapping.OutsideOf(ranges.Select(r => r.Map).ToList(), sandboxId) is null)
            ranges.Insert(0, new Range(new IdMap(sandboxId, defaultOutside, 1), sandboxOrigin, false));
        for (int i = 0; i < ranges.Count; i++)
            for (int j = 0; j < i; j++)
            {
                var (a, b) = (ranges[j].Map, ranges[i].Map);
                string? side = Overlap(a.Inside, a.Count, b.Inside, b.Count) ? "inside"
                    : Overlap(a.Outside, a.Count, b.Outside, b.Count) ? "host" : null;
                if (side is not null)
                    throw new SpecException(ranges[i].Origin, $"the {kind} range {Show(b)} overlaps {Show(a)} on the {side} side; " +
                        $"the kernel refuses overlapping ranges{(ranges[j].Explicit ? "" : $" (the sandbox's {kind} maps to {a.Outside} unless a range holds it)")}");
            }
        if (ranges.Count > MaxRanges) throw new SpecException(ranges[MaxRanges].Origin, $"more than {MaxRanges} {kind} ranges; the kernel takes at most {MaxRanges}");
        if (string.Concat(ranges.Select(r => r.Map.ToString())).Length > MaxMapText)
            throw new SpecException(ranges[^1].Origin, $"the {kind} map is longer than the kernel takes in one write ({MaxMapText} bytes)");
        return ranges;
    }

    private static bool Overlap(uint a, uint aCount, uint b, uint bCount) => (ulong)a < (ulong)b + bCount && (ulong)b < (ulong)a + aCount;

    private static string Show(IdMap m) => $"{m.Inside}:{m.Outside}:{m.Count}";

    /// <summary>Without CAP_SETUID outside, the kernel takes one line mapping the writer's own id.</summary>
    private static void OnlyOwn(List<Range> ranges, uint own, string kind)
    {
        if (ranges.Count == 1 && ranges[0].Map.Outside == own && ranges[0].Map.Count == 1) return;
        var stray = ranges.FirstOrDefault(r => r.Map.Outside != own || r.Map.Count != 1) ?? ranges[1];
        throw new SpecException(stray.Origin, $"an unprivileged launcher can map only its own {kind} ({own}), once; run it as root to map other ids");
    }

    /// <summary>One line naming what maps the host's root into the sandbox; only a range given explicitly can.</summary>
    private static IReadOnlyList<string> RootWarning(List<Range> uids, List<Range> gids)
    {
        var uid = uids.Where(r => r.Map.Outside == 0).Select(r => r.Origin).ToList();
        var gid = gids.Where(r => r.Map.Outside == 0).Select(r => r.Origin).ToList();
        if (uid.Count == 0 && gid.Count == 0) return [];
        string what = (uid.Count > 0, gid.Count > 0) switch
        {
            (true, true) => "the host's root user and group (uid 0, gid 0) are",
            (true, false) => "the host's root user (uid 0) is",
            _ => "the host's root group (gid 0) is",
        };
        return [$"warning: {what} mapped into the sandbox ({string.Join(", ", uid.Concat(gid).Distinct())}): " +
            "what runs as it there has root's access to the host's files it can reach"];
    }
}
