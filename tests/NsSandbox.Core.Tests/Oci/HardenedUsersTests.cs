using NsSandbox.Core.Oci;
using NsSandbox.Core.Plan;

namespace NsSandbox.Core.Tests.Oci;

/// <summary>The user namespaces of the hardened mode: --userns-remap NAME reads NAME's ranges as Docker's
/// userns-remap does, and the fixed range is refused on a host that hands part of it out.</summary>
public sealed class HardenedUsersTests
{
    private static Func<string, IEnumerable<string>?> Files(string subuid, string subgid) =>
        file => (file == "/etc/subuid" ? subuid : file == "/etc/subgid" ? subgid : null)?.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    [Fact]
    public void RemapTakesTheUsersRangesInOrderCountingUpFromZero()
    {
        var m = HardenedUsers.Remap("dock", Files("alice:100000:65536\ndock:231072:65536\ndock:400000:1000\n", "dock:231072:65536\n"));
        Assert.Equal([new IdMap(0, 231072, 65536), new IdMap(65536, 400000, 1000)], m.Uids);
        Assert.Equal([new IdMap(0, 231072, 65536)], m.Gids);
        Assert.True(m.AllowSetgroups);
    }

    [Theory]
    [InlineData("alice:100000:65536\n", "dock:1:2\n", "dock has no range in /etc/subuid")]
    [InlineData("dock:100000:65536\n", "", "dock has no range in /etc/subgid")]
    [InlineData("dock:x:65536\n", "dock:1:2\n", "/etc/subuid:1: 'dock:x:65536' is not NAME:START:COUNT")]
    [InlineData("dock:100000:0\n", "dock:1:2\n", "/etc/subuid:1: 'dock:100000:0' is not NAME:START:COUNT")]
    [InlineData("dock:0:65536\n", "dock:1:2\n", "/etc/subuid:1: dock's range starts at host id 0 (root)")]
    public void ABadOrMissingRangeIsRefusedWithItsPlace(string subuid, string subgid, string expected)
    {
        var e = Assert.Throws<OciException>(() => HardenedUsers.Remap("dock", Files(subuid, subgid)));
        Assert.Equal("--userns-remap: " + expected, e.Message);
    }

    [Fact]
    public void TheFixedRangeIsRefusedWhereTheHostHandsPartOfItOut()
    {
        HardenedUsers.CheckHost(Files("alice:100000:65536\n", "alice:100000:65536\n"));
        var e = Assert.Throws<OciException>(() => HardenedUsers.CheckHost(Files($"bob:{HardenedUsers.First + 10}:5\n", "")));
        Assert.Contains("/etc/subuid:1: bob's ids", e.Message);
    }
}
