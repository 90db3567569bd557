using System.Globalization;
using NsSandbox.Core.Plan;

namespace NsSandbox.Core.Oci;

/// <summary>The user namespace --hardened gives a container whose config has none: container ids 0-65535 are host
/// ids 1878982656-1879048191 (0x6fff0000, 65536 ids just below 2^31 - 2^28: far above the ranges useradd gives out
/// from /etc/subuid's 100000, below 2^31 for tools that keep ids in a signed int, and clear of 65534 and -1).
/// Every hardened container shares the range, as with Docker's userns-remap. A host whose /etc/subuid or
/// /etc/subgid hands out part of it is refused: a user owning those ids could reach the containers' files.</summary>
public static class HardenedUsers
{
    public const uint First = 0x6fff0000, Count = 65536;

    public static UserMapping Mapping => new([new IdMap(0, First, Count)], [new IdMap(0, First, Count)], AllowSetgroups: true);

    /// <summary>--userns-remap NAME: NAME's ranges (by name or uid, in file order) of /etc/subuid and /etc/subgid,
    /// container ids counting up from 0 across them, as Docker's userns-remap maps them.</summary>
    public static UserMapping Remap(string name, Func<string, IEnumerable<string>?> readLines)
    {
        List<IdMap> Ranges(string file)
        {
            var maps = new List<IdMap>();
            uint inside = 0;
            int n = 0;
            foreach (string line in readLines(file) ?? [])
            {
                n++;
                var f = line.Split(':');
                if (f.Length != 3 || f[0] != name) continue;
                if (!uint.TryParse(f[1], NumberStyles.None, CultureInfo.InvariantCulture, out uint start)
                    || !uint.TryParse(f[2], NumberStyles.None, CultureInfo.InvariantCulture, out uint count) || count == 0
                    || (ulong)inside + count > uint.MaxValue || (ulong)start + count > uint.MaxValue)
                    throw new OciException($"--userns-remap: {file}:{n}: '{line}' is not NAME:START:COUNT");
                if (start == 0) throw new OciException($"--userns-remap: {file}:{n}: {name}'s range starts at host id 0 (root)");
                maps.Add(new IdMap(inside, start, count));
                inside += count;
            }
            if (maps.Count == 0) throw new OciException($"--userns-remap: {name} has no range in {file}");
            if (maps.Count > 340) throw new OciException($"--userns-remap: {name} has {maps.Count} ranges in {file}; the kernel takes 340");
            return maps;
        }
        return new UserMapping(Ranges("/etc/subuid"), Ranges("/etc/subgid"), AllowSetgroups: true);
    }

    public static void CheckHost(Func<string, IEnumerable<string>?> readLines)
    {
        foreach (string file in new[] { "/etc/subuid", "/etc/subgid" })
        {
            int n = 0;
            foreach (string line in readLines(file) ?? [])
            {
                n++;
                var f = line.Split(':');
                if (f.Length != 3 || !ulong.TryParse(f[1], NumberStyles.None, CultureInfo.InvariantCulture, out ulong start)
                    || !ulong.TryParse(f[2], NumberStyles.None, CultureInfo.InvariantCulture, out ulong count)) continue;
                if (start < First + Count && First < start + count)
                    throw new OciException($"--hardened: {file}:{n}: {f[0]}'s ids {start}-{start + count - 1} overlap the range hardened containers run as ({First}-{First + Count - 1})");
            }
        }
    }
}
