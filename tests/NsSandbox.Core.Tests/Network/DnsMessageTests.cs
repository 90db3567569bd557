using System.Net;
using NsSandbox.Core.Network.Dns;

namespace NsSandbox.Core.Tests.Network;

/// <summary>The resolver's reading of DNS messages: what the sandbox asks and what comes back from upstream. Both
/// are untrusted: a malformed message is refused or dropped, never read past its end.</summary>
public sealed class DnsMessageTests
{
    [Fact]
    public void AQueryIsReadWithItsNameInLowerCase()
    {
        var q = DnsBytes.Query(0x1234, "PyPI.Org", type: 28).ToArray();
        Assert.Equal(QueryKind.Query, DnsMessage.ParseQuery(q, out var question));
        Assert.Equal(new DnsQuestion(0x1234, "pypi.org", 28, 1, q.Length), question);
    }

    [Fact]
    public void ResponsesAndFragmentsAreDroppedAndGarbledQueriesRefused()
    {
        Assert.Equal(QueryKind.Ignore, DnsMessage.ParseQuery(new byte[11], out _));
        Assert.Equal(QueryKind.Ignore, DnsMessage.ParseQuery(DnsBytes.Query(1, "a.org", flags: 0x8100).ToArray(), out _));
        Assert.Equal(QueryKind.NotImplemented, DnsMessage.ParseQuery(DnsBytes.Query(1, "a.org", flags: 0x2800).ToArray(), out _)); // UPDATE
        Assert.Equal(QueryKind.FormatError, DnsMessage.ParseQuery(new DnsBytes().Header(1, 0x100, 2, 0).Name("a.org").U16(1).U16(1).ToArray(), out _));
        Assert.Equal(QueryKind.FormatError, DnsMessage.ParseQuery(new DnsBytes().Header(1, 0x100, 1, 0).Pointer(12).U16(1).U16(1).ToArray(), out _));
        Assert.Equal(QueryKind.FormatError, DnsMessage.ParseQuery(new DnsBytes().Header(1, 0x100, 1, 0).Name("a.org").U16(1).ToArray(), out _));
        Assert.Equal(QueryKind.FormatError, DnsMessage.ParseQuery(new DnsBytes().Header(1, 0x100, 1, 0).Raw(40, 1, 2).ToArray(), out _));
        var tooLong = new DnsBytes().Header(1, 0x100, 1, 0).Name(string.Join('.', Enumerable.Repeat(new string('a', 63), 5))).U16(1).U16(1);
        Assert.Equal(QueryKind.FormatError, DnsMessage.ParseQuery(tooLong.ToArray(), out _));
    }

    [Fact]
    public void AnErrorAnswerEchoesTheQuestion()
    {
        var q = DnsBytes.Query(0xbeef, "evil.example").ToArray();
        DnsMessage.ParseQuery(q, out var question);
        byte[] a = DnsMessage.ErrorAnswer(q, question, DnsMessage.NameError);
        Assert.Equal(q.Length, a.Length);
        Assert.Equal([0xbe, 0xef, 0x81, 0x83, 0, 1, 0, 0, 0, 0, 0, 0], a[..12]); // QR, RD; RA, NXDOMAIN; one question
        Assert.Equal(q[12..], a[12..]);
    }

    [Fact]
    public void NamesWithOddBytesAreEscapedAndCannotPassForAnother()
    {
        var q = new DnsBytes().Header(1, 0x100, 1, 0).Raw(5, (byte)'a', (byte)'.', (byte)'b', 0, (byte)'C', 3, (byte)'o', (byte)'r', (byte)'g', 0).U16(1).U16(1).ToArray();
        DnsMessage.ParseQuery(q, out var question);
        Assert.Equal("a\\046b\\000c.org", question!.Name);
        Assert.Equal(".", Question(new DnsBytes().Header(1, 0x100, 1, 0).Raw(0).U16(1).U16(1)).Name);
    }

    [Fact]
    public void AnAnswersAddressesAreThoseOfTheNameAndItsCnameChainWithTheLowestTtl()
    {
        var q = Question(DnsBytes.Query(7, "pypi.org"));
        var r = DnsBytes.Response(7, "pypi.org", 5);
        r.Cname(12, "edge.cdn.example", 300);                 // pypi.org -> edge.cdn.example (ttl 300)
        int edge = r.Length - 18;                             // where the CNAME's target name starts
        r.Address(edge, "151.101.0.223", 30);                 // the target's address: ttl 30
        r.Address(edge, "2a04:4e42::223", 600);               // and another, capped by the CNAME's 300
        r.Address(12, "151.101.64.223", 20);                  // the name's own
        r.Pointer(0x40).U16(1).U16(1).U32(5).U16(4).Raw(10, 0, 0, 1); // owned by another name: not the chain's
        var response = DnsMessage.ParseResponse(r.ToArray(), q)!;
        Assert.Equal(0, response.ResponseCode);
        Assert.False(response.Truncated);
        Assert.Equal([("151.101.0.223", 30u), ("2a04:4e42::223", 300u), ("151.101.64.223", 20u)],
            response.Addresses.Select(a => (a.Address.ToString(), a.Ttl)));
        byte[] bytes = r.ToArray();
        Assert.All(response.Addresses, a => Assert.Equal(a.Address.GetAddressBytes(), bytes[a.Offset..(a.Offset + a.Address.GetAddressBytes().Length)]));
    }

    [Fact]
    public void AnAnswerToAnotherQuestionOrNotAResponseIsNotTaken()
    {
        var q = Question(DnsBytes.Query(7, "pypi.org"));
        Assert.Null(DnsMessage.ParseResponse(DnsBytes.Response(7, "evil.org", 0).ToArray(), q));
        Assert.Null(DnsMessage.ParseResponse(DnsBytes.Response(7, "pypi.org", 0, type: 28).ToArray(), q));
        Assert.Null(DnsMessage.ParseResponse(DnsBytes.Response(7, "pypi.org", 0, flags: 0x0100).ToArray(), q));
        var truncated = DnsMessage.ParseResponse(DnsBytes.Response(7, "PYPI.org", 0, flags: 0x8383).ToArray(), q)!;
        Assert.True(truncated.Truncated);
        Assert.Equal(DnsMessage.NameError, truncated.ResponseCode);
    }

    [Fact]
    public void CompressionLoopsAndRecordsPastTheEndEndTheReading()
    {
        var q = Question(DnsBytes.Query(7, "a.org"));
        var loop = DnsBytes.Response(7, "a.org", 1).Pointer(23).Pointer(21).U16(1).U16(1).U32(60).U16(4).Raw(1, 2, 3, 4);
        Assert.Empty(DnsMessage.ParseResponse(loop.ToArray(), q)!.Addresses);
        var cut = DnsBytes.Response(7, "a.org", 1).Pointer(12).U16(1).U16(1).U32(60).U16(40).Raw(1, 2, 3, 4);
        Assert.Empty(DnsMessage.ParseResponse(cut.ToArray(), q)!.Addresses);
    }

    [Fact]
    public void NoByteStringMakesTheReaderThrow()
    {
        var random = new Random(21);
        var q = Question(DnsBytes.Query(7, "a.sites.example"));
        var seeds = new[]
        {
            DnsBytes.Query(7, "a.sites.example").ToArray(),
            DnsBytes.Response(7, "a.sites.example", 2).Cname(12, "b.example", 60).Address(12, "192.0.2.1", 60).ToArray(),
        };
        for (int i = 0; i < 20000; i++)
        {
            byte[] m = (byte[])seeds[i % 2].Clone();
            for (int flips = random.Next(1, 6); flips > 0; flips--) m[random.Next(m.Length)] = (byte)random.Next(256);
            m = m[..random.Next(m.Length + 1)];
            DnsMessage.ParseQuery(m, out var question);
            if (question is not null) DnsMessage.ErrorAnswer(m, question, DnsMessage.Refused);
            DnsMessage.ParseResponse(m, q);
        }
    }

    private static DnsQuestion Question(DnsBytes query)
    {
        Assert.Equal(QueryKind.Query, DnsMessage.ParseQuery(query.ToArray(), out var q));
        return q!;
    }
}
