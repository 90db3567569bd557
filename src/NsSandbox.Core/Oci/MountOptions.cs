using NsSandbox.Contract.Oci;
using NsSandbox.Linux;

namespace NsSandbox.Core.Oci;

/// <summary>An OCI mount's options as mount(2) takes them: flags to set, flags to clear, propagation, and the
/// rest passed to the filesystem as data ("size=65536k,mode=755"), as runc splits them.</summary>
public sealed record MountOptions(MountFlags Flags, MountFlags Propagation, string? Data, bool Bind, bool Recursive)
{
    private const ulong MsRdonly = 1, MsNosuid = 2, MsNodev = 4, MsNoexec = 8, MsSynchronous = 16, MsMandlock = 64,
        MsDirsync = 128, MsNoatime = 1024, MsNodiratime = 2048, MsBind = 4096, MsRec = 16384, MsUnbindable = 1 << 17,
        MsPrivate = 1 << 18, MsSlave = 1 << 19, MsShared = 1 << 20, MsRelatime = 1 << 21, MsStrictatime = 1 << 24,
        MsLazytime = 1 << 25;

    // Options that clear a flag ("rw", "suid") are the default here: a fresh mount starts without the flag.
    private static readonly Dictionary<string, ulong> Set = new(StringComparer.Ordinal)
    {
        ["ro"] = MsRdonly, ["nosuid"] = MsNosuid, ["nodev"] = MsNodev, ["noexec"] = MsNoexec, ["sync"] = MsSynchronous,
        ["mand"] = MsMandlock, ["dirsync"] = MsDirsync, ["noatime"] = MsNoatime, ["nodiratime"] = MsNodiratime,
        ["relatime"] = MsRelatime, ["strictatime"] = MsStrictatime, ["lazytime"] = MsLazytime,
    };

    private static readonly HashSet<string> Clear = new(StringComparer.Ordinal)
    {
        "rw", "suid", "dev", "exec", "async", "nomand", "atime", "diratime", "norelatime", "nostrictatime", "nolazytime",
        "defaults",
    };

    private static readonly Dictionary<string, ulong> Propagations = new(StringComparer.Ordinal)
    {
        ["private"] = MsPrivate, ["rprivate"] = MsPrivate | MsRec, ["slave"] = MsSlave, ["rslave"] = MsSlave | MsRec,
        ["shared"] = MsShared, ["rshared"] = MsShared | MsRec, ["unbindable"] = MsUnbindable,
        ["runbindable"] = MsUnbindable | MsRec,
    };

    public static MountOptions Parse(OciMount mount, string origin)
    {
        ulong flags = 0, propagation = 0;
        bool bind = mount.Type is "bind" or "rbind", recursive = mount.Type == "rbind";
        var data = new List<string>();
        foreach (string option in mount.Options ?? [])
        {
            if (Set.TryGetValue(option, out ulong f)) flags |= f;
            else if (Clear.Contains(option)) flags &= ~(option switch { "rw" => MsRdonly, "suid" => MsNosuid, "dev" => MsNodev, "exec" => MsNoexec, _ => 0ul });
            else if (Propagations.TryGetValue(option, out ulong p)) propagation = p;
            else if (option == "bind") bind = true;
            else if (option == "rbind") bind = recursive = true;
            else if (option is "rro" or "rrw" or "rnosuid" or "rnodev" or "rnoexec" or "idmap" or "ridmap" or "tmpcopyup" or "copy-symlink"
                     or "nosymfollow" or "rnosymfollow" or "symfollow" or "rsymfollow" or "rnoatime" or "ratime" or "rrelatime"
                     or "rnorelatime" or "rstrictatime" or "rnostrictatime" or "rnodiratime" or "rdiratime" or "rsuid" or "rdev" or "rexec")
                throw new SpecException(origin, $"mount option '{option}' is not supported yet");
            else if (bind) throw new SpecException(origin, $"mount option '{option}' means nothing to a bind mount");
            else data.Add(option);
        }
        return new MountOptions((MountFlags)flags, (MountFlags)propagation, data.Count == 0 ? null : string.Join(',', data), bind, recursive);
    }

    public bool ReadOnly => (Flags & (MountFlags)MsRdonly) != 0;

    /// <summary>The flags mount_setattr can set on a bind's tree (ro, nosuid, nodev, noexec).</summary>
    public MountAttributes Attributes => (MountAttributes)((ulong)Flags & (MsRdonly | MsNosuid | MsNodev | MsNoexec));

    /// <summary>Flags a bind cannot carry through mount_setattr (atime, sync...): refused rather than dropped.</summary>
    public bool HasFlagsBeyondAttributes => ((ulong)Flags & ~(MsRdonly | MsNosuid | MsNodev | MsNoexec)) != 0;
}
