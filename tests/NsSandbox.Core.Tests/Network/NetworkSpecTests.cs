using System.Net;
using NsSandbox.Core.Network;

namespace NsSandbox.Core.Tests.Network;

/// <summary>The pure parts of the network modes: CIDR ranges and the egress ruleset's order.</summary>
public sealed class NetworkSpecTests
{
    [Theory]
    [InlineData("10.1.2.3/8", "10.0.0.0/8")]
    [InlineData("203.0.113.7", "203.0.113.7/32")]
    [InlineData("2001:db8::1/32", "2001:db8::/32")]
    [InlineData("fe80::1", "fe80::1/128")]
    [InlineData("0.0.0.0/0", "0.0.0.0/0")]
    public void RangesAreNormalized(string text, string expected)
    {
        Assert.True(Cidr.TryParse(text, out var c));
        Assert.Equal(expected, c!.ToString());
    }

    [Theory]
    [InlineData("10.0.0.0/33")]
    [InlineData("::/129")]
    [InlineData("10.0.0.0/-1")]
    [InlineData("example.org")]
    [InlineData("fe80::1%eth0")]
    [InlineData("")]
    public void BadRangesAreRefused(string text) => Assert.False(Cidr.TryParse(text, out _));

    [Fact]
    public void TheHostIsRefusedBeforeAllowedRangesAndAllowedRangesBeforeDenied()
    {
        Assert.True(Cidr.TryParse("10.99.0.0/16", out var allow));
        Assert.True(Cidr.TryParse("203.0.113.0/24", out var deny));
        string rules = EgressFilter.Ruleset([deny!], [allow!], [IPAddress.Parse("10.99.0.5"), IPAddress.Parse("2001:db8::2")], only: false);
        int sets = rules.IndexOf("ip daddr @allow4 accept", StringComparison.Ordinal);
        int host = rules.IndexOf("ip daddr { 10.99.0.5/32 } goto refuse", StringComparison.Ordinal);
        int host6 = rules.IndexOf("ip6 daddr { 2001:db8::2/128 } goto refuse", StringComparison.Ordinal);
        int allowed = rules.IndexOf("ip daddr { 10.99.0.0/16 } accept", StringComparison.Ordinal);
        int denied = rules.IndexOf("203.0.113.0/24", StringComparison.Ordinal);
        Assert.True(sets > 0 && sets < host && host > 0 && host6 > 0 && host < allowed && allowed < denied, rules);
        Assert.All(EgressFilter.DefaultDeny, d => Assert.Contains(d, rules));
    }

    [Fact]
    public void UnderOnlyEverythingElseIsRefusedAndRefusalsAreCountedWithOrWithoutTheirCopies()
    {
        string only = EgressFilter.Ruleset([], [], [IPAddress.Parse("192.0.2.2")], only: true);
        string last = only[..only.IndexOf("  }\n", only.IndexOf("chain out", StringComparison.Ordinal), StringComparison.Ordinal)].TrimEnd().Split('\n')[^1].Trim();
        Assert.Equal("goto refuse", last);
        Assert.DoesNotContain("10.0.0.0/8", only); // no deny list: nothing but the sets and the allowed ranges passes
        Assert.Contains("log group 1", only);
        string unlogged = EgressFilter.Ruleset([], [], [], only: false, logRefusals: false);
        Assert.DoesNotContain("log group", unlogged);
        Assert.Contains("counter name \"refused\"", unlogged);
        Assert.Contains("reject with tcp reset", unlogged);
    }
}
