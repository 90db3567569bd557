using System.Runtime.InteropServices;
using NsSandbox.Linux.Interop;

namespace NsSandbox.Linux;

/// <summary>A container's rootfs as a detached mount whose files' owners are shifted into the container's user
/// namespace (the image belongs to the host's root; the container's root is an unprivileged id outside). A plain
/// directory is cloned and id-mapped (mount_setattr MOUNT_ATTR_IDMAP; the filesystem must allow it: ext4, xfs,
/// btrfs, tmpfs since Linux 6.3). overlayfs refuses to be id-mapped itself, so an overlay (Docker's and
/// containerd's rootfs) is made anew over id-mapped copies of its layers, passed to fsconfig as descriptors
/// (Linux 6.13). The container's overlay and the engine's share the upper directory while the container runs.</summary>
public static unsafe class IdMappedRoot
{
    public static int Make(string rootfs, string usernsPath, uint rootUid, uint rootGid)
    {
        int userns = Libc.Open(usernsPath, 0x80000, 0); // O_RDONLY | O_CLOEXEC
        if (userns < 0) throw new KernelException("open", usernsPath, Marshal.GetLastPInvokeError());
        try
        {
            var (mountPoint, fsType, options) = MountOf(rootfs);
            if (fsType == "overlay")
            {
                if (mountPoint != rootfs)
                    throw new KernelException("id-mapped rootfs", $"{rootfs} (inside the overlay at {mountPoint}: only an overlay's own root can be made anew)", (int)Errno.InvalidArgument);
                return Overlay(rootfs, OverlayLayers.Parse(options, rootfs), userns, rootUid, rootGid);
            }
            int tree = Shim.IdMappedTree(rootfs, userns, 0);
            if (tree < 0) throw new KernelException("id-mapped mount", $"{rootfs} ({fsType})", -tree);
            return tree;
        }
        finally
        {
            Libc.Close(userns);
        }
    }

    private static int Overlay(string rootfs, OverlayLayers layers, int userns, uint rootUid, uint rootGid)
    {
        if (layers.Lowers.Count > Shim.OverlayMaxLowers) throw new KernelException("id-mapped overlay", $"{rootfs}: more than {Shim.OverlayMaxLowers} layers", (int)Errno.InvalidArgument);
        var owned = new List<nint>();
        try
        {
            var request = new Shim.OverlayRequest
            {
                UsernsFd = userns, RootUid = rootUid, RootGid = rootGid,
                LowerCount = (uint)layers.Lowers.Count, Lowers = NativeStrings.Array(layers.Lowers, owned),
                OptionCount = (uint)layers.Options.Count,
                OptionKeys = NativeStrings.Array([.. layers.Options.Select(o => o.Key)], owned),
                OptionValues = Values(layers.Options, owned),
            };
            if (layers.Upper is { } upper)
            {
                request.UpperParent = Utf8(Path.GetDirectoryName(upper)!, owned);
                request.Upper = Utf8(Path.GetFileName(upper), owned);
                request.Work = Utf8(Path.GetFileName(layers.Work!), owned);
            }
            int step = 0;
            int fd = Shim.IdMappedOverlay(&request, &step);
            if (fd < 0) throw new KernelException("id-mapped overlay", $"{rootfs}: {Step(step, layers)}", -fd);
            return fd;
        }
        finally
        {
            NativeStrings.Free(owned);
        }
    }

    private static string Step(int step, OverlayLayers layers) => (step % Shim.OverlayStepStride, step / Shim.OverlayStepStride) switch
    {
        (1, var i) => $"lower layer {layers.Lowers.ElementAtOrDefault(i)}",
        (2, _) => $"upper layer {layers.Upper}",
        (3, _) => $"work directory {layers.Work}",
        (4, _) => "fsopen",
        (5, var i) => $"overlay option {layers.Options.ElementAtOrDefault(i).Key}",
        (6, _) => "the overlay's creation (Linux 6.13 or later is needed)",
        _ => "fsmount",
    };

    private static byte* Utf8(string s, List<nint> owned)
    {
        nint p = Marshal.StringToCoTaskMemUTF8(s);
        owned.Add(p);
        return (byte*)p;
    }

    private static byte** Values(IReadOnlyList<KeyValuePair<string, string?>> options, List<nint> owned)
    {
        var array = (byte**)Marshal.AllocCoTaskMem((options.Count + 1) * sizeof(byte*));
        owned.Add((nint)array);
        for (int i = 0; i < options.Count; i++) array[i] = options[i].Value is { } v ? Utf8(v, owned) : null;
        array[options.Count] = null;
        return array;
    }

    /// <summary>The mount a path is on (the last mounted of those whose mount point is its longest prefix), from
    /// /proc/self/mountinfo: its mount point, type and super options.</summary>
    private static (string MountPoint, string FsType, string Options) MountOf(string path)
    {
        (string, string, string) best = ("/", "", "");
        int bestLength = -1;
        foreach (string line in File.ReadLines("/proc/self/mountinfo"))
        {
            var f = line.Split(' ');
            int dash = Array.IndexOf(f, "-");
            if (dash < 0 || f.Length < dash + 4) continue;
            string point = Unescape(f[4]);
            bool under = point == "/" || path == point || path.StartsWith(point + "/", StringComparison.Ordinal);
            if (!under || point.Length < bestLength) continue;
            bestLength = point.Length;
            best = (point, f[dash + 1], f[dash + 3]);
        }
        return best;
    }

    private static string Unescape(string s) =>
        s.Contains('\\') ? System.Text.RegularExpressions.Regex.Replace(s, @"\\([0-7]{3})", m => ((char)Convert.ToInt32(m.Groups[1].Value, 8)).ToString()) : s;
}

/// <summary>An overlay's layers and other options from its super options in mountinfo. Relative layer paths (Docker's
/// overlay2 driver gives them when absolute ones would not fit a page) are relative to the driver's directory,
/// the parent of the layer directory holding the mount point.</summary>
public sealed record OverlayLayers(IReadOnlyList<string> Lowers, string? Upper, string? Work, IReadOnlyList<KeyValuePair<string, string?>> Options)
{
    private static readonly HashSet<string> Skipped = ["rw", "ro", "lowerdir", "upperdir", "workdir", "uuid"];

    public static OverlayLayers Parse(string superOptions, string mountPoint)
    {
        string home = Path.GetDirectoryName(Path.GetDirectoryName(mountPoint) ?? "/") ?? "/";
        if (superOptions.Contains('\\')) throw Refused(mountPoint, "an escaped character in its options");
        var lowers = new List<string>();
        string? upper = null, work = null;
        var options = new List<KeyValuePair<string, string?>>();
        foreach (string option in superOptions.Split(','))
        {
            int eq = option.IndexOf('=');
            string key = eq < 0 ? option : option[..eq];
            string? value = eq < 0 ? null : option[(eq + 1)..];
            switch (key)
            {
                case "lowerdir" when value is not null:
                    if (value.Contains("::", StringComparison.Ordinal)) throw Refused(mountPoint, "data-only lower layers");
                    lowers.AddRange(value.Split(':').Select(p => Path.GetFullPath(p, home)));
                    break;
                case "lowerdir+" when value is not null: lowers.Add(Path.GetFullPath(value, home)); break;
                case "upperdir" when value is not null: upper = Path.GetFullPath(value, home); break;
                case "workdir" when value is not null: work = Path.GetFullPath(value, home); break;
                case "datadir+": throw Refused(mountPoint, "data-only lower layers");
                default:
                    if (!Skipped.Contains(key)) options.Add(new(key, value));
                    break;
            }
        }
        if (lowers.Count == 0) throw Refused(mountPoint, "no lower layer in its options");
        if ((upper is null) != (work is null)) throw Refused(mountPoint, "an upper layer without a work directory");
        if (upper is not null && Path.GetDirectoryName(upper) != Path.GetDirectoryName(work))
            throw Refused(mountPoint, $"upper {upper} and work {work} are not in one directory");
        return new OverlayLayers(lowers, upper, work, options);
    }

    private static KernelException Refused(string mountPoint, string why) =>
        new("id-mapped overlay", $"{mountPoint}: {why}", (int)Errno.InvalidArgument);
}
