using NsSandbox.Core.Network;
using NsSandbox.Linux;

namespace NsSandbox.Core.Tests;

/// <summary>The names the report spells without Enum.ToString (reflection metadata at every launch) are exactly
/// the enum's, lower-cased: a member added to either enum without a name here fails this test.</summary>
public sealed class EnumNameTests
{
    [Fact]
    public void EveryRlimitResourceHasItsOwnName()
    {
        foreach (var r in Enum.GetValues<RlimitResource>())
            Assert.Equal(r.ToString().ToLowerInvariant(), r.Name());
        Assert.Equal(Enum.GetValues<RlimitResource>().Length, Enum.GetValues<RlimitResource>().Select(r => r.Name()).Distinct().Count());
    }

    [Fact]
    public void EveryNetModeHasItsOwnName()
    {
        foreach (var m in Enum.GetValues<NetMode>())
            Assert.Equal(m.ToString().ToLowerInvariant(), new NetSpec { Mode = m }.ModeName);
    }
}
