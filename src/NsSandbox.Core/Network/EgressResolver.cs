using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using NsSandbox.Core.Network.Dns;
using NsSandbox.Linux;

namespace NsSandbox.Core.Network;

/// <summary>The sandbox's DNS server (docs/network.md): a forwarder in the supervisor, listening on sockets it
/// opened inside the sandbox's namespace. A name off the allowlist is answered NXDOMAIN under --net_only and never
/// asked upstream; any other is asked of the host's nameservers. Before an answer for an allowed name goes back,
/// each address it holds that the name may reach enters the filter's sets for its TTL (at least the floor), so
/// the connection that follows finds it there. Everything is logged for the report.</summary>
public sealed class EgressResolver : IDisposable
{
    private const int MaxInFlight = 256, MaxTcpClients = 16;
    private static readonly TimeSpan TcpIdle = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan MaxTtl = TimeSpan.FromDays(1);

    private readonly ResolverSockets _sockets;
    private readonly NamePolicy _policy;
    private readonly UpstreamDns _upstream;
    private readonly NetworkLogBuilder _log;
    private readonly TimeSpan _minTtl;
    private readonly Action<string> _verbose;
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _setsLock = new();
    private readonly List<Task> _loops = [];
    private readonly HashSet<Socket> _clients = [];
    private int _inFlight;
    private bool _setsClosed;

    public EgressResolver(ResolverSockets sockets, NamePolicy policy, UpstreamDns upstream, NetworkLogBuilder log, TimeSpan minTtl,
        Action<string> verbose)
    {
        _sockets = sockets;
        _policy = policy;
        _upstream = upstream;
        _log = log;
        _minTtl = minTtl;
        _verbose = verbose;
    }

    public void Start()
    {
        _upstream.Start();
        _loops.Add(ServeUdp());
        _loops.Add(ServeTcp());
    }

    /// <summary>The answer for one query (the sandbox's id kept), or null to send none.</summary>
    public async Task<byte[]?> Answer(byte[] query, bool overTcp)
    {
        var kind = DnsMessage.ParseQuery(query, out var question);
        if (kind == QueryKind.Ignore) return null;
        if (kind == QueryKind.FormatError) return DnsMessage.ErrorAnswer(query, question, DnsMessage.FormatError);
        if (kind == QueryKind.NotImplemented) return DnsMessage.ErrorAnswer(query, question, DnsMessage.NotImplemented);
        if (question!.Class != DnsMessage.ClassIn) return DnsMessage.ErrorAnswer(query, question, DnsMessage.Refused);

        var decision = _policy.Decide(question.Name);
        if (_log.Asked(question.Name, decision.Verdict)) _verbose($"dns: {question.Name}: {decision.Verdict}");
        if (!decision.Answered) return DnsMessage.ErrorAnswer(query, question, DnsMessage.NameError);

        byte[]? answer = await _upstream.Ask(query, question, overTcp, _stop.Token);
        if (answer is null) return DnsMessage.ErrorAnswer(query, question, DnsMessage.ServerFailure);
        if (DnsMessage.ParseResponse(answer, question) is not { } response) return DnsMessage.ErrorAnswer(query, question, DnsMessage.ServerFailure);
        var handedOut = new List<IPAddress>();
        foreach (var record in response.Addresses)
        {
            var address = record.Address;
            if (_policy.Admit(address, decision) is { } admission)
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
        _log.Answered(question.Name, handedOut);
        return answer;
    }

    private TimeSpan Timeout(uint ttl)
    {
        var t = TimeSpan.FromSeconds(ttl);
        return t < _minTtl ? _minTtl : t > MaxTtl ? MaxTtl : t;
    }

    /// <summary>Puts the address (with each port, if the grant has ports) in the filter's sets.</summary>
    private void LetThrough(Admission admission, TimeSpan timeout, string name)
    {
        byte[] address = admission.Address.GetAddressBytes();
        bool v6 = address.Length == 16;
        lock (_setsLock)
        {
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
    }

    private void Add(string set, byte[] key, TimeSpan timeout, string name, Admission admission)
    {
        if (_setsClosed) return;
        int errno = _sockets.Sets.Add(set, key, timeout);
        if (errno != 0) _verbose($"dns: {name}: could not let {admission.Address} through: {KernelException.Describe(errno)}");
    }

    private async Task ServeUdp()
    {
        var buffer = new byte[DnsMessage.MaxUdp];
        EndPoint any = new IPEndPoint(IPAddress.Any, 0);
        while (!_stop.IsCancellationRequested)
        {
            SocketReceiveFromResult r;
            try
            {
                r = await _sockets.Udp.ReceiveFromAsync(buffer, SocketFlags.None, any, _stop.Token);
            }
            catch (SocketException) when (!_stop.IsCancellationRequested)
            {
                continue;
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }
            if (Interlocked.Increment(ref _inFlight) > MaxInFlight)
            {
                Interlocked.Decrement(ref _inFlight); // a flood: the sandbox's client retries
                continue;
            }
            byte[] query = buffer.AsSpan(0, r.ReceivedBytes).ToArray();
            var client = r.RemoteEndPoint;
            _ = Task.Run(async () =>
            {
                try
                {
                    if (await Answer(query, overTcp: false) is { } answer)
                        await _sockets.Udp.SendToAsync(answer, SocketFlags.None, client, _stop.Token);
                }
                catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
                {
                }
                finally
                {
                    Interlocked.Decrement(ref _inFlight);
                }
            });
        }
    }

    private async Task ServeTcp()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _sockets.Tcp.AcceptAsync(_stop.Token);
            }
            catch (SocketException) when (!_stop.IsCancellationRequested)
            {
                continue;
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }
            lock (_clients)
            {
                if (_clients.Count >= MaxTcpClients || _stop.IsCancellationRequested)
                {
                    client.Dispose();
                    continue;
                }
                _clients.Add(client);
            }
            _ = Task.Run(() => ServeTcpClient(client));
        }
    }

    /// <summary>Queries one after another on one connection, until it closes or stays idle too long.</summary>
    private async Task ServeTcpClient(Socket client)
    {
        try
        {
            while (true)
            {
                using var idle = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
                idle.CancelAfter(TcpIdle);
                if (await DnsStream.Read(client, idle.Token) is not { } query) return;
                if (await Answer(query, overTcp: true) is not { } answer) return;
                await DnsStream.Write(client, answer, _stop.Token);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException or EndOfStreamException)
        {
        }
        finally
        {
            lock (_clients) _clients.Remove(client);
            client.Dispose();
        }
    }

    /// <summary>Stops answering: the listeners and every connection close, and queries on their way are dropped.</summary>
    public void Dispose()
    {
        if (_stop.IsCancellationRequested) return;
        _stop.Cancel();
        _sockets.Udp.Dispose();
        _sockets.Tcp.Dispose();
        lock (_clients)
        {
            foreach (var c in _clients) c.Dispose();
        }
        _upstream.Dispose();
        try
        {
            Task.WaitAll(_loops.ToArray(), TimeSpan.FromSeconds(1));
        }
        catch (AggregateException)
        {
        }
        // An answer still on its way adds nothing more: the sets' socket is the caller's again (the counter).
        lock (_setsLock) _setsClosed = true;
    }
}
