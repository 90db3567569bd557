using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using NsSandbox.Core.Network.Dns;
using NsSandbox.Linux;

namespace NsSandbox.Core.Network;

/// <summary>The sandbox's DNS server (docs/network.md): a forwarder in the supervisor, on one thread of its own
/// waiting in an epoll set on the listeners it opened inside the sandbox's namespace and on its sockets to the
/// host's nameservers. A name off the allowlist is answered NXDOMAIN under --net_only and never asked upstream;
/// any other is asked upstream. Before an answer goes back, <see cref="ResolverAnswers"/> puts each address the
/// name may reach in the filter's sets, so the connection that follows finds it there.</summary>
public sealed class EgressResolver : IDisposable
{
    private const int MaxPending = 1024, MaxTcpClients = 16;
    private static readonly TimeSpan TcpIdle = TimeSpan.FromSeconds(10);
    private const ulong UdpToken = 1, TcpToken = 2, WakeToken = 3, UpstreamTokens = 10, ClientTokens = 100;

    /// <summary>A query on its way upstream: where its answer goes, and which server has it.</summary>
    private sealed class Pending(byte[] query, DnsQuestion question, NameDecision decision, EndPoint? udpClient, DnsTcpClient? tcpClient)
    {
        public byte[] Query { get; } = query;
        public DnsQuestion Question { get; } = question;
        public NameDecision Decision { get; } = decision;
        public EndPoint? UdpClient { get; } = udpClient;
        public DnsTcpClient? TcpClient { get; } = tcpClient;
        public int Server { get; set; } = -1;
        public long Deadline { get; set; }
    }

    private readonly ResolverSockets _sockets;
    private readonly UpstreamDns _upstream;
    private readonly ResolverAnswers _answers;
    private readonly NetworkLogBuilder _log;
    private readonly Action<string> _verbose;
    private readonly EventSet _events = new();
    private readonly WakeEvent _wake = new();
    private readonly Dictionary<ushort, Pending> _pending = new();
    private readonly Dictionary<ulong, DnsTcpClient> _clients = new();
    private readonly Dictionary<ulong, Socket> _upstreamByToken = new();
    private readonly ConcurrentQueue<(Pending, byte[]?)> _tcpAnswers = new();
    private readonly ConcurrentBag<Task> _workers = [];
    private volatile bool _stopping;
    private readonly byte[] _buffer = new byte[DnsMessage.MaxUdp];
    private Thread? _thread;
    private ulong _nextClient = ClientTokens;

    public EgressResolver(ResolverSockets sockets, NamePolicy policy, UpstreamDns upstream, NetworkLogBuilder log, TimeSpan minTtl,
        Action<string> verbose)
    {
        _sockets = sockets;
        _upstream = upstream;
        _log = log;
        _verbose = verbose;
        _answers = new ResolverAnswers(policy, sockets.Sets, log, minTtl, verbose);
        _sockets.Udp.Blocking = false;
        _sockets.Tcp.Blocking = false;
        _events.Add((int)_sockets.Udp.Handle, UdpToken);
        _events.Add((int)_sockets.Tcp.Handle, TcpToken);
        _events.Add(_wake.Fd, WakeToken);
        ulong token = UpstreamTokens;
        foreach (var s in upstream.Sockets)
        {
            _upstreamByToken[token] = s;
            _events.Add((int)s.Handle, token++);
        }
    }

    public void Start()
    {
        _thread = new Thread(Loop) { IsBackground = true, Name = "resolver" };
        _thread.Start();
    }

    private void Loop()
    {
        Span<ulong> ready = stackalloc ulong[32];
        while (!_stopping)
        {
            int n = _events.Wait(ready, NextDeadlineMs());
            for (int i = 0; i < n && !_stopping; i++)
            {
                ulong token = ready[i];
                try
                {
                    if (token == UdpToken) FromUdpClient();
                    else if (token == TcpToken) Accept();
                    else if (token == WakeToken) TcpAnswers();
                    else if (_upstreamByToken.TryGetValue(token, out var upstream)) FromUpstream(upstream);
                    else if (_clients.TryGetValue(token, out var client)) FromTcpClient(client);
                }
                catch (Exception e)
                {
                    // Whatever one query does, the resolver goes on: an exception on this thread would end the
                    // supervisor, and with it the sandbox, without a report.
                    _verbose($"dns: {e.GetType().Name}: {e.Message}");
                }
            }
            Expire();
        }
    }

    private void FromUdpClient()
    {
        EndPoint from = new IPEndPoint(IPAddress.Any, 0);
        int n;
        try
        {
            n = _sockets.Udp.ReceiveFrom(_buffer, SocketFlags.None, ref from);
        }
        catch (SocketException)
        {
            return;
        }
        Query(_buffer.AsSpan(0, n).ToArray(), from, null);
    }

    /// <summary>Answers at once, or sends the query upstream.</summary>
    private void Query(byte[] query, EndPoint? udpClient, DnsTcpClient? tcpClient)
    {
        var (answer, question, decision) = _answers.Decide(query);
        if (answer is not null)
        {
            Reply(answer, udpClient, tcpClient);
            return;
        }
        if (question is null || decision is null || _pending.Count >= MaxPending) return; // a flood: the client asks again
        Forward(new Pending(query, question, decision, udpClient, tcpClient));
    }

    /// <summary>Asks the next server under a fresh random id; SERVFAIL when none is left.</summary>
    private void Forward(Pending p)
    {
        while (++p.Server < _upstream.Servers.Count)
        {
            ushort id;
            do id = RandomId();
            while (_pending.ContainsKey(id));
            var copy = (byte[])p.Query.Clone();
            DnsMessage.SetId(copy, id);
            if (!_upstream.Send(copy, p.Server)) continue;
            p.Deadline = Environment.TickCount64 + (long)UpstreamDns.Attempt.TotalMilliseconds;
            _pending[id] = p;
            return;
        }
        Reply(DnsMessage.ErrorAnswer(p.Query, p.Question, DnsMessage.ServerFailure), p.UdpClient, p.TcpClient);
    }

    /// <summary>16 random bits, from the kernel's random bytes through Guid (as RunIds: RandomNumberGenerator would
    /// load OpenSSL).</summary>
    private static ushort RandomId()
    {
        Span<byte> bytes = stackalloc byte[16];
        Guid.NewGuid().TryWriteBytes(bytes);
        return BitConverter.ToUInt16(bytes);
    }

    private void FromUpstream(Socket socket)
    {
        if (_upstream.Receive(socket, out var from) is not { } answer || answer.Length < DnsMessage.HeaderLength) return;
        ushort id = DnsMessage.Id(answer);
        if (!_pending.TryGetValue(id, out var p) || !_upstream.IsFrom(from, p.Server)
            || DnsMessage.ParseResponse(answer, p.Question) is not { } response) return;
        _pending.Remove(id);
        if (response.Truncated && p.TcpClient is not null)
        {
            // Rare: the sandbox asked over TCP and UDP could not hold the answer. A worker asks over TCP.
            _workers.Add(Task.Run(() =>
            {
                _tcpAnswers.Enqueue((p, _upstream.AskOverTcp(p.Query, p.Server)));
                _wake.Signal();
            }));
            return;
        }
        Complete(p, answer);
    }

    private void TcpAnswers()
    {
        _wake.Clear();
        while (_tcpAnswers.TryDequeue(out var done))
        {
            var (p, answer) = done;
            if (answer is not null && DnsMessage.ParseResponse(answer, p.Question) is not null) Complete(p, answer);
            else Reply(DnsMessage.ErrorAnswer(p.Query, p.Question, DnsMessage.ServerFailure), null, p.TcpClient);
        }
    }

    private void Complete(Pending p, byte[] answer)
    {
        DnsMessage.SetId(answer, p.Question.Id);
        Reply(_answers.Finish(answer, p.Question, p.Decision), p.UdpClient, p.TcpClient);
    }

    private void Reply(byte[] answer, EndPoint? udpClient, DnsTcpClient? tcpClient)
    {
        if (udpClient is not null)
        {
            try
            {
                _sockets.Udp.SendTo(answer, SocketFlags.None, udpClient);
            }
            catch (SocketException)
            {
            }
        }
        else if (tcpClient is not null && !tcpClient.Write(answer))
        {
            Close(tcpClient);
        }
    }

    private void Accept()
    {
        Socket socket;
        try
        {
            socket = _sockets.Tcp.Accept();
        }
        catch (SocketException)
        {
            return;
        }
        if (_clients.Count >= MaxTcpClients)
        {
            socket.Dispose();
            return;
        }
        socket.Blocking = false;
        var client = new DnsTcpClient(socket, _nextClient++);
        _clients[client.Token] = client;
        _events.Add((int)socket.Handle, client.Token);
    }

    private void FromTcpClient(DnsTcpClient client)
    {
        if (client.Read() is not { } messages)
        {
            Close(client);
            return;
        }
        foreach (var m in messages)
            if (!client.Closed) Query(m, null, client);
    }

    private void Close(DnsTcpClient client)
    {
        if (client.Closed) return;
        _events.Remove((int)client.Socket.Handle);
        _clients.Remove(client.Token);
        client.Dispose();
    }

    /// <summary>Queries whose server did not answer in time go to the next; idle TCP clients are closed.</summary>
    private void Expire()
    {
        long now = Environment.TickCount64;
        foreach (var (id, p) in _pending.Where(e => e.Value.Deadline <= now).ToList())
        {
            _pending.Remove(id);
            Forward(p);
        }
        foreach (var c in _clients.Values.Where(c => now - c.IdleSince >= (long)TcpIdle.TotalMilliseconds).ToList()) Close(c);
    }

    private int NextDeadlineMs()
    {
        long next = long.MaxValue;
        foreach (var p in _pending.Values) next = Math.Min(next, p.Deadline);
        foreach (var c in _clients.Values) next = Math.Min(next, c.IdleSince + (long)TcpIdle.TotalMilliseconds);
        if (next == long.MaxValue) return -1;
        return (int)Math.Clamp(next - Environment.TickCount64, 0, int.MaxValue);
    }

    /// <summary>Stops answering: the loop ends, and the listeners and every connection close. The sets' socket is
    /// left to the caller (it reads the refusal counter through it).</summary>
    public void Dispose()
    {
        if (_stopping) return;
        _stopping = true;
        _wake.Signal();
        _thread?.Join(TimeSpan.FromSeconds(5));
        _sockets.Udp.Dispose();
        _sockets.Tcp.Dispose();
        foreach (var c in _clients.Values) c.Dispose();
        _events.Dispose();
        // A worker still asking over TCP would signal the wake descriptor: it stays open until the workers are done
        // (a few seconds at most), and is left to the process's end if one is not.
        if (Task.WaitAll(_workers.ToArray(), TimeSpan.FromSeconds(1))) _wake.Dispose();
        _upstream.Dispose();
    }
}
