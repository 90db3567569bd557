using System.Text;

namespace NsSandbox.Core.Plan;

/// <summary>What the parent writes to the child's uid_map, setgroups and gid_map: one line per range, each
/// written in a single write as the kernel requires.</summary>
public sealed record UserMapping(IReadOnlyList<IdMap> Uids, IReadOnlyList<IdMap> Gids, bool AllowSetgroups)
{
    public string UidMapText => Text(Uids);
    public string GidMapText => Text(Gids);

    /// <summary>The host's id for an id inside (the range that holds it); null when it is not mapped.</summary>
    public static uint? OutsideOf(IReadOnlyList<IdMap> maps, uint inside) =>
        maps.FirstOrDefault(m => inside >= m.Inside && inside - m.Inside < m.Count) is { } m ? m.Outside + (inside - m.Inside) : null;

    private static string Text(IReadOnlyList<IdMap> maps)
    {
        var s = new StringBuilder();
        foreach (var m in maps) s.Append(m);
        return s.ToString();
    }
}
