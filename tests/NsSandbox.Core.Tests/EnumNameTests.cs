using NsSandbox.Core.Network;

namespace NsSandbox.Core.Tests;

/// <summary>The network mode's name, spelt without Enum.ToString (reflection metadata at every launch), is exactly
/// the enum's, lower-cased: a mode added without a name here fails this test. Rlimits and namespaces: FlagNamesTests.</summary>
public sealed class EnumNameTests
{
    [Fact]
    public void EveryNetModeHasItsOwnName()
    {
        foreach (var m in Enum.GetValues<NetMode>())
            Assert.Equal(m.ToString().ToLowerInvariant(), new NetSpec { Mode = m }.ModeName);
    }
}
