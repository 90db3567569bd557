using NsSandbox.Linux;

namespace NsSandbox.Core.Tests;

/// <summary>The launch path names namespaces and rlimits from tables (Enum.ToString costs reflection metadata at
/// every launch); the tables must say what the enums say.</summary>
public sealed class FlagNamesTests
{
    [Fact]
    public void EveryRlimitIsNamedAsTheEnumSpellsIt()
    {
        foreach (var r in Enum.GetValues<RlimitResource>())
            Assert.Equal(r.ToString().ToLowerInvariant(), FlagNames.Of(r));
    }

    [Fact]
    public void NamespacesAreListedInFlagOrder()
    {
        var all = Enum.GetValues<Namespaces>().Where(f => f != Namespaces.None).Aggregate((a, b) => a | b);
        string expected = string.Join(",", Enum.GetValues<Namespaces>().Where(f => f != Namespaces.None)
            .OrderBy(f => (ulong)f).Select(f => f.ToString().ToLowerInvariant()));
        Assert.Equal(expected, FlagNames.Of(all));
        Assert.Equal("user,net", FlagNames.Of(Namespaces.Net | Namespaces.User));
        Assert.Equal("", FlagNames.Of(Namespaces.None));
    }

    [Fact]
    public void GetrlimitReadsTheCurrentLimits()
    {
        var (soft, hard) = Rlimits.Get(RlimitResource.Nofile);
        Assert.True(soft > 0 && soft <= hard);
    }
}
