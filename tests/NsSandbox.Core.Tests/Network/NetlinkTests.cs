using System.Net;
using NsSandbox.Core.Network;
using NsSandbox.Linux.Net;

namespace NsSandbox.Core.Tests.Network;

/// <summary>The netlink framing the resolver's set updates and the refusal log use, the log's packet reading, and
/// the report's bounds. The kernel's side of it is proved by the end-to-end tests (EgressByNameTests).</summary>
public sealed class NetlinkTests
{
    [Fact]
    public void MessagesAndNestedAttributesAreFramedAndPadded()
    {
        var w = new NetlinkWriter();
        w.Begin(0x0a0c, NetlinkWriter.Request | NetlinkWriter.Ack, 7, 1, 0x0102);
        w.Attribute(1, "nssandbox");
        int nested = w.BeginNested(3);
        w.Attribute(1, [1, 2, 3]);
        w.AttributeBigEndian(4, 30000UL);
        w.EndNested(nested);
        w.End();
        w.Begin(0x11, NetlinkWriter.Request, 8, 0);
        w.End();

        ReadOnlySpan<byte> data = w.Bytes;
        Assert.Equal(0, data.Length % 4);
        Assert.True(NetlinkReader.NextMessage(ref data, out var first));
        Assert.Equal((0x0a0c, NetlinkWriter.Request | NetlinkWriter.Ack, 7u, (byte)1), (first.Type, first.Flags, first.Sequence, first.NetfilterFamily));
        Assert.Equal([1, 0, 1, 2], first.Payload[..4].ToArray()); // family, version, resource id 0x0102 in network order
        Assert.True(NetlinkReader.Find(first.NetfilterAttributes, 1, out var table));
        Assert.Equal("nssandbox\0"u8.ToArray(), table.ToArray());
        Assert.True(NetlinkReader.Find(first.NetfilterAttributes, 3, out var inner));
        Assert.True(NetlinkReader.Find(inner, 1, out var key));
        Assert.Equal([1, 2, 3], key.ToArray());
        Assert.True(NetlinkReader.Find(inner, 4, out var timeout));
        Assert.Equal([0, 0, 0, 0, 0, 0, 0x75, 0x30], timeout.ToArray());
        Assert.True(NetlinkReader.NextMessage(ref data, out var second));
        Assert.Equal(8u, second.Sequence);
        Assert.False(NetlinkReader.NextMessage(ref data, out _));
    }

    [Fact]
    public void BadLengthsEndTheWalk()
    {
        ReadOnlySpan<byte> tooLong = [200, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
        Assert.False(NetlinkReader.NextMessage(ref tooLong, out _));
        ReadOnlySpan<byte> attribute = [8, 0, 1, 0, 1, 2];
        Assert.False(NetlinkReader.NextAttribute(ref attribute, out _, out _));
        ReadOnlySpan<byte> error = [16 + 4, 0, 0, 0, 2, 0, 0, 0, 9, 0, 0, 0, 0, 0, 0, 0, 0xef, 0xff, 0xff, 0xff]; // -17
        Assert.True(NetlinkReader.NextMessage(ref error, out var e));
        Assert.Equal((NetlinkMessage.Error, 17), (e.Type, e.ErrorNumber));
    }

    [Fact]
    public void ALoggedPacketsDestinationAndPortAreRead()
    {
        byte[] v4 = new byte[24];
        v4[0] = 0x45; v4[9] = 6; // IPv4, 20-byte header, TCP
        IPAddress.Parse("203.0.113.10").GetAddressBytes().CopyTo(v4, 16);
        v4[22] = 0x1f; v4[23] = 0x90; // destination port 8080
        Assert.Equal(new LoggedPacket(IPAddress.Parse("203.0.113.10"), 8080, "tcp"), NflogListener.Parse(2, v4));
        byte[] v6 = new byte[48];
        v6[0] = 0x60; v6[6] = 17; // IPv6, UDP
        IPAddress.Parse("2001:db8::1").GetAddressBytes().CopyTo(v6, 24);
        v6[42] = 0; v6[43] = 53;
        Assert.Equal(new LoggedPacket(IPAddress.Parse("2001:db8::1"), 53, "udp"), NflogListener.Parse(10, v6));
        v4[9] = 1;
        Assert.Equal(new LoggedPacket(IPAddress.Parse("203.0.113.10"), null, "icmp"), NflogListener.Parse(2, v4));
        Assert.Null(NflogListener.Parse(2, v4[..19]));
        Assert.Null(NflogListener.Parse(10, v4));
        Assert.Equal(new LoggedPacket(IPAddress.Parse("203.0.113.10"), null, "tcp"), NflogListener.Parse(2, [.. v4[..20].Select((b, i) => i == 9 ? (byte)6 : b)]));
    }

    [Fact]
    public void TheLogIsBounded()
    {
        var log = new NetworkLogBuilder();
        for (int i = 0; i < NetworkLogBuilder.MaxNames + 5; i++) log.Asked($"n{i}.example", NameVerdict.Forwarded);
        Assert.False(log.Asked("n0.example", NameVerdict.Forwarded)); // a second query of a name counts, adds no entry
        log.Answered("n0.example", Enumerable.Range(1, 20).Select(i => IPAddress.Parse($"192.0.2.{i}")));
        var packets = Enumerable.Range(1, 30).Select(i => new LoggedPacket(IPAddress.Parse($"192.0.2.{i}"), 443, "tcp")).ToList();
        var built = log.Build(1000, packets);
        Assert.Equal(NetworkLogBuilder.MaxNames, built.Names.Count);
        Assert.Equal(5, built.NamesOmitted);
        Assert.Equal(2, built.Names[0].Queries);
        Assert.Equal(NetworkLogBuilder.MaxAddressesPerName, built.Names[0].Addresses!.Count);
        Assert.Equal(1000UL, built.RefusedConnections);
        Assert.Equal(NetworkLogBuilder.MaxRefusedShown, built.FirstRefused.Count);
        Assert.Equal("n0.example", built.FirstRefused[0].Name);
        Assert.Equal(3UL, new NetworkLogBuilder().Build(0, packets[..3]).RefusedConnections); // an unread counter
    }
}
