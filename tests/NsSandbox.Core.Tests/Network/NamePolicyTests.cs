using System.Net;
using NsSandbox.Core.Network;

namespace NsSandbox.Core.Tests.Network;

/// <summary>--net_allow_host's patterns and what an allowed name's addresses may reach.</summary>
public sealed class NamePolicyTests
{
    [Theory]
    [InlineData("PyPI.org.", "pypi.org", false, null)]
    [InlineData("*.Example.org:443", "example.org", true, 443)]
    [InlineData("files.pythonhosted.org:8080", "files.pythonhosted.org", false, 8080)]
    [InlineData("_srv.x-1.example", "_srv.x-1.example", false, null)]
    public void PatternsAreReadInLowerCaseWithTheirPort(string text, string name, bool wildcard, int? port)
    {
        var p = HostPattern.Parse("--net_allow_host", text);
        Assert.Equal(new HostPattern(name, wildcard, port), p);
        Assert.Equal(p, HostPattern.Parse("x", p.ToString()));
    }

    [Theory]
    [InlineData("192.0.2.1", "is an address")]
    [InlineData("192.0.2.1:80", "is an address")]
    [InlineData("[2001:db8::1]:443", "is an address")]
    [InlineData("2001:db8::1", "is an address")]
    [InlineData("*", "would match every name")]
    [InlineData("*.", "would match every name")]
    [InlineData("a.*.org", "a wildcard may only be")]
    [InlineData("*example.org", "a wildcard may only be")]
    [InlineData("pypi.org:", "the port must be")]
    [InlineData("pypi.org:65536", "the port must be")]
    [InlineData("pypi..org", "is not a host name")]
    [InlineData("pypi org", "is not a host name")]
    [InlineData("", "is not a host name")]
    public void BadPatternsAreRefusedByName(string text, string message)
    {
        var e = Assert.Throws<SpecException>(() => HostPattern.Parse("--net_allow_host", text));
        Assert.Equal("--net_allow_host", e.Origin);
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void AWildcardMatchesEveryNameBelowItsDomainButNotTheDomain()
    {
        var p = HostPattern.Parse("x", "*.example.org");
        Assert.True(p.Matches("a.example.org"));
        Assert.True(p.Matches("a.b.example.org"));
        Assert.False(p.Matches("example.org"));
        Assert.False(p.Matches("badexample.org"));
        Assert.False(p.Matches("a.example.org.evil"));
        Assert.True(HostPattern.Parse("x", "example.org").Matches("example.org"));
        Assert.False(HostPattern.Parse("x", "example.org").Matches("a.example.org"));
    }

    private static NamePolicy Policy(bool only, params string[] hosts) => new(
        hosts.Select(h => HostPattern.Parse("x", h)).ToList(), only,
        EgressFilter.Denied([new Cidr("203.0.113.0", 24)]), [new Cidr("10.99.0.0", 16)], [IPAddress.Parse("192.0.2.2")]);

    [Fact]
    public void NamesOffTheListAreRefusedUnderOnlyAndForwardedOtherwise()
    {
        Assert.Equal(NameVerdict.Allowed, Policy(true, "pypi.org").Decide("pypi.org").Verdict);
        Assert.Equal(NameVerdict.Refused, Policy(true, "pypi.org").Decide("evil.org").Verdict);
        Assert.False(Policy(true, "pypi.org").Decide("evil.org").Answered);
        Assert.Equal(NameVerdict.Forwarded, Policy(false, "pypi.org").Decide("evil.org").Verdict);
        Assert.Null(Policy(false, "pypi.org").Admit(IPAddress.Parse("198.51.100.1"), Policy(false).Decide("evil.org")));
    }

    [Theory]
    // A public address: every grant reaches it, with the union of their ports (none: every port).
    [InlineData("198.51.100.1", "a.example.org", "198.51.100.1", "any")]
    [InlineData("198.51.100.1", "api.example.org", "198.51.100.1", "any")]
    // A denied, private or host address: only the exact name's grant, on its port.
    [InlineData("10.1.2.3", "api.example.org", "10.1.2.3", "443")]
    [InlineData("203.0.113.9", "api.example.org", "203.0.113.9", "443")]
    [InlineData("192.0.2.2", "api.example.org", "192.0.2.2", "443")]
    [InlineData("169.254.169.254", "a.example.org", null, null)]
    [InlineData("10.1.2.3", "a.example.org", null, null)]
    [InlineData("203.0.113.9", "a.example.org", null, null)]
    // --net_allow exempts a range from the deny list: a wildcard may reach it too.
    [InlineData("10.99.1.1", "a.example.org", "10.99.1.1", "any")]
    // The host's 127.0.0.1 is slirp4netns' gateway; another loopback address is the sandbox's own.
    [InlineData("127.0.0.1", "api.example.org", "10.0.2.2", "443")]
    [InlineData("127.0.0.1", "a.example.org", null, null)]
    [InlineData("127.0.0.2", "api.example.org", null, null)]
    [InlineData("::1", "api.example.org", null, null)]
    [InlineData("::ffff:10.1.2.3", "a.example.org", null, null)]
    public void WhatAnAllowedNamesAddressMayReach(string address, string name, string? reached, string? ports)
    {
        var policy = Policy(true, "*.example.org", "api.example.org:443");
        var admission = policy.Admit(IPAddress.Parse(address), policy.Decide(name));
        if (reached is null)
        {
            Assert.Null(admission);
            return;
        }
        Assert.Equal(reached, admission!.Address.ToString());
        Assert.Equal(ports, admission.Ports is null ? "any" : string.Join(",", admission.Ports));
    }

    [Fact]
    public void OnlyAnExactNameKeepsTheWayToTheHostsLoopbackOpen()
    {
        Assert.False(Policy(true).ReachesHostLoopback);
        Assert.False(Policy(true, "*.example.org").ReachesHostLoopback);
        Assert.True(Policy(true, "*.example.org", "api.local").ReachesHostLoopback);
    }
}
