using System.Text.Json;
using static NsSandbox.EndToEnd.Tests.Net.NetScripts;

namespace NsSandbox.EndToEnd.Tests.Net;

/// <summary>Egress by name (--net_allow_host, --net_only; docs/network.md) against a <see cref="NetworkLab"/> of
/// its own: the lab's DNS server answers the names each test sets, its world serves several sites, and nssandbox
/// runs in the lab's host namespace. After each test, the host namespace has no nftables rules (everything the
/// launcher installs lives in the sandbox's namespace) and no slirp4netns is left; the lab checks at its end that
/// its namespaces are gone.</summary>
[Collection<LoadSensitive>]
public sealed class EgressByNameTests : IClassFixture<NetworkLab>, IDisposable
{
    private static readonly string[] Site = NetworkLab.Sites;
    private readonly NetworkLab _lab;
    private readonly Launcher _nss;

    public EgressByNameTests(NetworkLab lab)
    {
        _lab = lab;
        _nss = lab.NewLauncher();
    }

    public void Dispose()
    {
        _nss.Dispose();
        Assert.Empty(_lab.ProcessesInHost(TimeSpan.FromSeconds(10))); // no launcher or slirp4netns of these runs
        if (_lab.Unavailable is null) Assert.Equal("", _lab.InHost("nft", "list", "ruleset").Trim());
    }

    private static JsonElement Log(LaunchResult r) => r.Report!.Value.GetProperty("network_log");

    private static JsonElement Name(LaunchResult r, string name) =>
        Log(r).GetProperty("names").EnumerateArray().Single(n => n.GetProperty("name").GetString() == name);

    private static string[] Addresses(JsonElement name) =>
        name.TryGetProperty("addresses", out var a) ? a.EnumerateArray().Select(x => x.GetString()!).ToArray() : [];

    private static List<(string Address, int? Port, string? Name)> Refused(LaunchResult r) =>
        Log(r).GetProperty("first_refused").EnumerateArray().Select(x => (x.GetProperty("address").GetString()!,
            x.TryGetProperty("port", out var p) ? p.GetInt32() : (int?)null,
            x.TryGetProperty("name", out var n) ? n.GetString() : null)).ToList();

    [Fact]
    public void OnlyAllowedNamesResolveAndOnlyTheirAddressesConnect()
    {
        _lab.Require();
        _lab.Resolver.Set("site1.test", 60, Site[0]);
        _lab.Resolver.Set("site2.test", 60, Site[1]);
        var r = _nss.Sh(
            Get("site1.test", 8080) +        // allowed
            Lookup("site2.test") +           // not allowed: no such name, and never asked upstream
            Get(NetworkLab.Outside, 8080) +  // a bare public address no allowed name resolved to
            Get(Site[1], 8080),              // site2.test's address, though site2.test was asked for
            "--net", "egress", "--net_only", "--net_allow_host", "site1.test");
        Assert.Equal(0, r.ExitCode);
        Assert.Equal("site-1\nunresolved\nConnection refused\nConnection refused\n", r.Stdout);
        Assert.DoesNotContain("site2.test", _lab.Resolver.Asked);
        Assert.Equal("allowed", Name(r, "site1.test").GetProperty("verdict").GetString());
        Assert.Equal([Site[0]], Addresses(Name(r, "site1.test")));
        Assert.Equal("refused", Name(r, "site2.test").GetProperty("verdict").GetString());
        Assert.Empty(Addresses(Name(r, "site2.test")));
        Assert.Equal(2, Log(r).GetProperty("refused_connections").GetInt32());
        Assert.Equal([(NetworkLab.Outside, 8080, null), (Site[1], 8080, null)], Refused(r));
    }

    [Fact]
    public void WildcardsExactNamesPortsAndRestrictedAddresses()
    {
        _lab.Require();
        _lab.Resolver.Set("a.sites.test", 60, Site[0]);
        _lab.Resolver.Set("deep.b.sites.test", 60, Site[2]);
        _lab.Resolver.Set("denied.sites.test", 60, NetworkLab.Deniable);
        _lab.Resolver.Alias("cdn.sites.test", "edge.cdn.example");
        _lab.Resolver.Set("edge.cdn.example", 60, Site[1]);
        _lab.Resolver.Set("private.test", 60, NetworkLab.Private);
        _lab.Resolver.Set("hostlo.test", 60, "127.0.0.1");
        var r = _nss.Sh(
            Get("a.sites.test", 8080) +       // by wildcard
            Get("deep.b.sites.test", 8080) +  // a wildcard covers every level below it
            Get("cdn.sites.test", 8080) +     // through a CNAME to a name off the list
            Lookup("sites.test") +            // not the wildcard's domain itself
            Get("denied.sites.test", 8080) +  // a wildcard never reaches a denied address (DNS rebinding)
            Get("private.test", 8080) +       // an exact name reaches a private address
            Get("hostlo.test", 8081) +        // and the host's loopback, on the port allowed
            Get("hostlo.test", 8083) +        // but no other port there
            Get("127.0.0.1", 8081),           // the sandbox's own loopback is not the host's
            // --net_allow 10.0.0.0/8 does not open slirp4netns' gateway (10.0.2.2), the host's loopback: hostlo.test:8083 stays refused.
            "--net", "egress", "--net_only", "--net_deny", "203.0.113.0/24", "--net_allow", "10.0.0.0/8",
            "--net_allow_host", "*.sites.test", "--net_allow_host", "private.test", "--net_allow_host", "hostlo.test:8081");
        Assert.Equal(0, r.ExitCode);
        Assert.Equal("site-1\nsite-3\nsite-2\nunresolved\nConnection refused\nprivate\nhost-loopback\nConnection refused\nConnection refused\n",
            r.Stdout);
        Assert.Equal([Site[1]], Addresses(Name(r, "cdn.sites.test")));
        Assert.Equal(["10.0.2.2"], Addresses(Name(r, "hostlo.test"))); // slirp4netns' way to the host's 127.0.0.1
        Assert.Equal("refused", Name(r, "sites.test").GetProperty("verdict").GetString());
        Assert.Equal([(NetworkLab.Deniable, 8080, "denied.sites.test"), ("10.0.2.2", 8083, "hostlo.test")], Refused(r));
    }

    [Fact]
    public void ShortTtlsAreFollowed()
    {
        _lab.Require();
        // ttl.test moves from site 2 to site 3 with a TTL of 1 s; long.test keeps site 1 for 10 minutes. With a floor
        // of 3 s, site 2 stops being reachable 3 s after it was handed out, while site 1 stays.
        _lab.Resolver.SetInTurn("ttl.test", 1, [Site[1]], [Site[2]]);
        _lab.Resolver.Set("long.test", 600, Site[0]);
        var r = _nss.Sh(
            Get("ttl.test", 8080) + Get("long.test", 8080) + "sleep 4.5;" +
            Get(Site[1], 8080) + Get(Site[0], 8080) + Get("ttl.test", 8080),
            "--net", "egress", "--net_only", "--net_allow_host", "ttl.test", "--net_allow_host", "long.test", "--net_min_ttl", "3");
        Assert.Equal(0, r.ExitCode);
        Assert.Equal("site-2\nsite-1\nConnection refused\nsite-1\nsite-3\n", r.Stdout);
        Assert.Equal([Site[1], Site[2]], Addresses(Name(r, "ttl.test")));
    }

    [Fact]
    public void AnAddressKeepsTheLaterOfItsExpiries()
    {
        _lab.Require();
        // Two names for each address, a brief one (TTL 1, so the floor of 3 s) and a lasting one (10 minutes).
        _lab.Resolver.Set("brief1.test", 1, Site[1]);
        _lab.Resolver.Set("lasting1.test", 600, Site[1]);
        _lab.Resolver.Set("lasting2.test", 600, Site[2]);
        _lab.Resolver.Set("brief2.test", 1, Site[2]);
        _lab.Resolver.Set("brief3.test", 1, Site[0]);
        var r = _nss.Sh(
            Lookup("brief1.test") + Lookup("lasting1.test") + // extended by the later answer
            Lookup("lasting2.test") + Lookup("brief2.test") + // not cut short by it
            Lookup("brief3.test") + "sleep 4.5;" +            // expires
            Get(Site[1], 8080) + Get(Site[2], 8080) + Get(Site[0], 8080),
            "--net", "egress", "--net_only", "--net_allow_host", "*.test", "--net_min_ttl", "3");
        Assert.Equal(0, r.ExitCode);
        Assert.Equal($"{Site[1]}\n{Site[1]}\n{Site[2]}\n{Site[2]}\n{Site[0]}\nsite-2\nsite-3\nConnection refused\n", r.Stdout);
    }

    [Fact]
    public void EveryQueryGoesToTheResolverInsideTheSandbox()
    {
        _lab.Require();
        _lab.Resolver.Set("site1.test", 60, Site[0]);
        _lab.Resolver.Set("big.test", 60, Site[1]);
        _lab.Resolver.OnlyOverTcp("big.test");
        // A resolv.conf naming the world's address, where no DNS server runs: the query still reaches the resolver.
        string conf = Path.Combine(_nss.TempDir, "resolv.conf");
        File.WriteAllText(conf, $"nameserver {NetworkLab.Outside}\n");
        var r = _nss.Sh(
            Lookup("site1.test") +
            Lookup("site1.test", "RES_OPTIONS=use-vc") + // over TCP
            Lookup("big.test") +                           // cut short over UDP: glibc and the resolver ask again over TCP
            Lookup("other.test") +
            // The resolver listens on 127.0.0.1:53 in the sandbox's own namespace, UDP and TCP.
            "awk '$2 == \"0100007F:0035\"' /proc/net/udp /proc/net/tcp | wc -l;",
            "--net", "egress", "--net_only", "--net_allow_host", "site1.test", "--net_allow_host", "big.test",
            "--bindmount_ro", conf + ":/etc/resolv.conf");
        Assert.Equal(0, r.ExitCode);
        Assert.Equal($"{Site[0]}\n{Site[0]}\n{Site[1]}\nunresolved\n2\n", r.Stdout);
        // The launcher's own namespace has no listener of the sandbox's resolver.
        Assert.DoesNotContain(_lab.InHost("cat", "/proc/net/udp", "/proc/net/tcp").Split('\n'), l => l.Contains("0100007F:0035"));
    }

    [Fact]
    public void GarbageNeverStopsTheResolver()
    {
        _lab.Require();
        _lab.Resolver.Set("site1.test", 60, Site[0]);
        // 3000 random datagrams and a TCP client that promises 65535 bytes and leaves, then an honest lookup.
        string garbage = "perl -MIO::Socket::INET -e '" +
                         "srand(21); my $u = IO::Socket::INET->new(Proto => \"udp\", PeerAddr => \"127.0.0.53:53\") or die $!; " +
                         "for (1..3000) { $u->send(join(\"\", map { chr(int(rand(256))) } 1..int(rand(600)))); } " +
                         "my $t = IO::Socket::INET->new(PeerAddr => \"127.0.0.53:53\", Proto => \"tcp\") or die $!; " +
                         "print $t \"\\xff\\xff\" . (\"x\" x 100); close $t; print \"sent\\n\"';";
        var r = _nss.Sh(garbage + Lookup("site1.test") + Get("site1.test", 8080),
            "--net", "egress", "--net_only", "--net_allow_host", "site1.test");
        Assert.Equal(0, r.ExitCode);
        Assert.Equal($"sent\n{Site[0]}\nsite-1\n", r.Stdout);
        Assert.True(Log(r).GetProperty("names").GetArrayLength() <= 256);
    }

    [Fact]
    public void WithoutOnlyAnAllowedNamePassesTheDenyListAndTheReportListsEverything()
    {
        _lab.Require();
        _lab.Resolver.Set("private.test", 60, NetworkLab.Private);
        var r = _nss.Sh(
            Get(NetworkLab.Private, 8080) +  // denied until a name allowed resolves to it
            Get("private.test", 8080) +
            Get("outside.test", 8080),       // any other name resolves, as the host's resolver answers
            "--net", "egress", "--net_allow_host", "private.test");
        Assert.Equal(0, r.ExitCode);
        Assert.Equal("Connection refused\nprivate\noutside\n", r.Stdout);
        Assert.Equal("allowed", Name(r, "private.test").GetProperty("verdict").GetString());
        Assert.Equal("forwarded", Name(r, "outside.test").GetProperty("verdict").GetString());
        Assert.Equal([NetworkLab.Outside], Addresses(Name(r, "outside.test")));
        // The name is the one that resolved to the address during the run, here after the refusal: the name to allow.
        Assert.Equal([(NetworkLab.Private, 8080, "private.test")], Refused(r));
    }

    [Fact]
    public void PlainEgressReportsTheNamesAskedAndTheRefusals()
    {
        _lab.Require();
        _lab.Resolver.Set("private.test", 60, NetworkLab.Private);
        var r = _nss.Sh(Get("private.test", 8080) + Get("private.test", 8080), "--net", "egress");
        Assert.Equal("Connection refused\nConnection refused\n", r.Stdout);
        var name = Name(r, "private.test");
        Assert.Equal("forwarded", name.GetProperty("verdict").GetString());
        Assert.True(name.GetProperty("queries").GetInt32() >= 2); // A and AAAA, per lookup
        Assert.Equal(2, Log(r).GetProperty("refused_connections").GetInt32());
        Assert.Equal([(NetworkLab.Private, 8080, "private.test"), (NetworkLab.Private, 8080, "private.test")], Refused(r));
    }
}
