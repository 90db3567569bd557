using System.Buffers.Binary;
using System.Net;
using NsSandbox.Core.Network.Dns;
using NsSandbox.Linux;
using NsSandbox.Linux.Net;

namespace NsSandbox.Core.Network;

/// <summary>What the resolver answers (docs/network.md): a query it answers itself (a garbled one, another class
/// than IN, a name refused under --net_only: NXDOMAIN), or one to ask upstream; and, for an upstream answer,
/// the addresses let through before it goes back: each that the name may reach enters the filter's sets for its
/// TTL, at least <c>minTtl</c> and at most a day, and the host's 127.0.0.1 is rewritten to slirp4netns' way
/// there. Everything is noted in the run's network log.</summary>
public sealed class ResolverAnswers(NamePolicy policy, NftSetWriter sets, NetworkLogBuilder log, TimeSpan minTtl, Action<string> verbose)
{
    private static readonly TimeSpan MaxTtl = TimeSpan.FromDays(1);

    /// <summary>Either the answer to send at once (null for none: a response or a fragment is dropped), or the
    /// question and decision of a query to ask upstream.</summary>
    public (byte[]? Answer, DnsQuestion? Question, NameDecision? Decision) Decide(byte[] query)
    {
        var kind = DnsMessage.ParseQuery(query, out var question);
        switch (kind)
        {
            case QueryKind.Ignore: return (null, null, null);
            case QueryKind.FormatError: return (DnsMessage.ErrorAnswer(query, question, DnsMessage.FormatError), null, null);
            case QueryKind.NotImplemented: return (DnsMessage.ErrorAnswer(query, question, DnsMessage.NotImplemented), null, null);
        }
        if (question!.Class != DnsMessage.ClassIn) return (DnsMessage.ErrorAnswer(query, question, DnsMessage.Refused), null, null);
        var decision = policy.Decide(question.Name);
        if (log.Asked(question.Name, decision.Verdict)) verbose($"dns: {question.Name}: {decision.Verdict}");
        if (!decision.Answered) return (DnsMessage.ErrorAnswer(query, question, DnsMessage.NameError), null, null);
        return (null, question, decision);
    }

    /// <summary>Lets the answer's addresses through as the decision allows and returns the answer to send (the
    /// same bytes, rewritten where an address was). <paramref name="answer"/> is an upstream answer to
    /// <paramref name="question"/> (the caller checked).</summary>
    public byte[] Finish(byte[] answer, DnsQuestion question, NameDecision decision)
    {
        var response = DnsMessage.ParseResponse(answer, question)!;
        var handedOut = new List<IPAddress>(response.Addresses.Count);
        foreach (var record in response.Addresses)
        {
            var address = record.Address;
            if (policy.Admit(address, decision) is { } admission)
            {
                if (admission.Rewritten(address))
                {
                    admission.Address.GetAddressBytes().CopyTo(answer, record.Offset);
                    address = admission.Address;
                }
                LetThrough(admission, Timeout(record.Ttl), question.Name);
            }
            handedOut.Add(address);
        }
        log.Answered(question.Name, handedOut);
        return answer;
    }

    private TimeSpan Timeout(uint ttl)
    {
        var t = TimeSpan.FromSeconds(ttl);
        return t < minTtl ? minTtl : t > MaxTtl ? MaxTtl : t;
    }

    /// <summary>Puts the address (with each port, if the grant has ports) in the filter's sets.</summary>
    private void LetThrough(Admission admission, TimeSpan timeout, string name)
    {
        byte[] address = admission.Address.GetAddressBytes();
        bool v6 = address.Length == 16;
        if (admission.Ports is null)
        {
            Add(v6 ? EgressFilter.Any6 : EgressFilter.Any4, address, timeout, name, admission);
            return;
        }
        foreach (int port in admission.Ports)
        {
            // A concatenation's parts are each padded to 4 bytes: the address, then the port in network order.
            var key = new byte[address.Length + 4];
            address.CopyTo(key, 0);
            BinaryPrimitives.WriteUInt16BigEndian(key.AsSpan(address.Length), (ushort)port);
            Add(v6 ? EgressFilter.Port6 : EgressFilter.Port4, key, timeout, name, admission);
        }
    }

    private void Add(string set, byte[] key, TimeSpan timeout, string name, Admission admission)
    {
        int errno = sets.Add(set, key, timeout);
        if (errno != 0) verbose($"dns: {name}: could not let {admission.Address} through: {KernelException.Describe(errno)}");
    }
}
