namespace NsSandbox.Core.Plan;

/// <summary>What the parent writes to the child's uid_map, setgroups and gid_map.</summary>
public sealed record UserMapping(IdMap Uid, IdMap Gid, bool AllowSetgroups)
{
    /// <summary>The sandbox's user maps to nobody outside when the launcher is root (so a check outside the
    /// namespace sees an unprivileged id), else to the launcher's own ids, the only ones it may map.</summary>
    public static UserMapping For(uint insideUid, uint insideGid, uint launcherUid, uint launcherGid)
    {
        bool privileged = launcherUid == 0;
        uint outsideUid = privileged ? Defaults.NobodyId : launcherUid;
        uint outsideGid = privileged ? Defaults.NobodyId : launcherGid;
        // A privileged parent may allow setgroups, so stage 2 can drop the supplementary groups it inherited
        // (root's); an unprivileged one must deny it before it may write gid_map.
        return new UserMapping(new IdMap(insideUid, outsideUid, 1), new IdMap(insideGid, outsideGid, 1), privileged);
    }
}
