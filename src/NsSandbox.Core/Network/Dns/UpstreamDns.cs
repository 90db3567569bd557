using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;

namespace NsSandbox.Core.Network.Dns;

/// <summary>Asks the host's nameservers (the launcher's /etc/resolv.conf) from the launcher's own network namespace.
/// Over UDP first, each query under a fresh random id from one socket per address family; an answer counts only
/// from the server asked, with our id and the same question. Over TCP when a UDP answer was cut short and the
/// sandbox asked over TCP (a UDP client retries over TCP itself). A server that does not answer within
/// <see cref="Attempt"/> is left for the next.</summary>
public sealed class UpstreamDns : IDisposable
{
    public static readonly TimeSpan Attempt = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan TcpTimeout = TimeSpan.FromSeconds(5);
    private const int MaxPending = 1024;

    private readonly IReadOnlyList<IPEndPoint> _servers;
    private readonly Dictionary<AddressFamily, Socket> _sockets = new();
    private readonly ConcurrentDictionary<ushort, Pending> _pending = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _readers = [];

    private sealed record Pending(IPEndPoint Server, DnsQuestion Question, TaskCompletionSource<byte[]> Answer);

    public UpstreamDns(IReadOnlyList<IPEndPoint> servers)
    {
        _servers = servers;
        try
        {
            foreach (var family in servers.Select(s => s.AddressFamily).Distinct())
            {
                var socket = new Socket(family, SocketType.Dgram, ProtocolType.Udp);
                _sockets[family] = socket;
                socket.Bind(new IPEndPoint(family == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0));
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public IReadOnlyList<IPEndPoint> Servers => _servers;

    /// <summary>Starts reading answers; call once.</summary>
    public void Start()
    {
        foreach (var socket in _sockets.Values) _readers.Add(Read(socket));
    }

    /// <summary>The answer to <paramref name="query"/> (whose id is the sandbox's, and stays so in the answer), or
    /// null when no server answered.</summary>
    public async Task<byte[]?> Ask(byte[] query, DnsQuestion question, bool overTcp, CancellationToken cancel)
    {
        foreach (var server in _servers)
        {
            byte[]? answer = await AskUdp(query, question, server, cancel);
            if (answer is not null && overTcp && (answer[2] & 0x02) != 0) answer = await AskTcp(query, server, cancel);
            if (answer is null) continue;
            DnsMessage.SetId(answer, question.Id);
            return answer;
        }
        return null;
    }

    private async Task<byte[]?> AskUdp(byte[] query, DnsQuestion question, IPEndPoint server, CancellationToken cancel)
    {
        if (!_sockets.TryGetValue(server.AddressFamily, out var socket) || _pending.Count >= MaxPending) return null;
        var pending = new Pending(server, question, new TaskCompletionSource<byte[]>(TaskCreationOptions.RunContinuationsAsynchronously));
        ushort id;
        do id = (ushort)RandomNumberGenerator.GetInt32(65536);
        while (!_pending.TryAdd(id, pending));
        try
        {
            var copy = (byte[])query.Clone();
            DnsMessage.SetId(copy, id);
            await socket.SendToAsync(copy, SocketFlags.None, server, cancel);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancel, _stop.Token);
            timeout.CancelAfter(Attempt);
            return await pending.Answer.Task.WaitAsync(timeout.Token);
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            return null;
        }
        finally
        {
            _pending.TryRemove(new KeyValuePair<ushort, Pending>(id, pending));
        }
    }

    private async Task Read(Socket socket)
    {
        var buffer = new byte[DnsMessage.MaxUdp];
        EndPoint any = new IPEndPoint(socket.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0);
        while (!_stop.IsCancellationRequested)
        {
            SocketReceiveFromResult r;
            try
            {
                r = await socket.ReceiveFromAsync(buffer, SocketFlags.None, any, _stop.Token);
            }
            catch (SocketException) when (!_stop.IsCancellationRequested)
            {
                continue;
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }
            var message = buffer.AsSpan(0, r.ReceivedBytes);
            if (message.Length < DnsMessage.HeaderLength || !_pending.TryGetValue(DnsMessage.Id(message), out var pending)) continue;
            if (!Same(r.RemoteEndPoint, pending.Server) || DnsMessage.ParseResponse(message, pending.Question) is null) continue;
            pending.Answer.TrySetResult(message.ToArray());
        }
    }

    private static bool Same(EndPoint from, IPEndPoint server) =>
        from is IPEndPoint f && f.Port == server.Port && (f.Address.Equals(server.Address)
            || (f.Address.IsIPv4MappedToIPv6 && f.Address.MapToIPv4().Equals(server.Address)));

    private async Task<byte[]?> AskTcp(byte[] query, IPEndPoint server, CancellationToken cancel)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancel, _stop.Token);
        timeout.CancelAfter(TcpTimeout);
        try
        {
            using var socket = new Socket(server.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            await socket.ConnectAsync(server, timeout.Token);
            await DnsStream.Write(socket, query, timeout.Token);
            return await DnsStream.Read(socket, timeout.Token);
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException or EndOfStreamException)
        {
            return null;
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        foreach (var socket in _sockets.Values) socket.Dispose();
        foreach (var p in _pending.Values) p.Answer.TrySetCanceled();
        try
        {
            Task.WaitAll(_readers.ToArray(), TimeSpan.FromSeconds(1));
        }
        catch (AggregateException)
        {
        }
        _stop.Dispose();
    }
}
