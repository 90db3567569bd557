using System.Net;
using System.Net.Sockets;
using NsSandbox.Linux;
using NsSandbox.Linux.Net;

namespace NsSandbox.Core.Network;

/// <summary>The supervisor's sockets inside the sandbox's network namespace: the resolver's listeners on
/// 127.0.0.1:53 (UDP and TCP; the filter sends every DNS query there), the nf_tables socket that fills the
/// filter's sets, and the nflog socket the filter's refusals are copied to.</summary>
public sealed class ResolverSockets : IDisposable
{
    public static readonly IPEndPoint Listen = new(IPAddress.Loopback, 53);
    private const int SolIp = 0, IpFreebind = 15;

    public required Socket Udp { get; init; }
    public required Socket Tcp { get; init; }
    public required NftSetWriter Sets { get; init; }
    /// <summary>Null when the kernel has no nfnetlink_log or refuses the group: refusals are then only counted.</summary>
    public required NflogListener? Refusals { get; init; }

    /// <summary>Opens them in the calling thread's network namespace (<see cref="SandboxNetns.Run"/>). lo is still
    /// down there (stage 2 brings it up after "go"), so 127.0.0.1 does not exist yet: IP_FREEBIND binds it anyway.</summary>
    public static ResolverSockets Open(string table, ushort? logGroup, Action<string> verbose)
    {
        var opened = new List<IDisposable>();
        try
        {
            var udp = Bound(SocketType.Dgram, ProtocolType.Udp, opened);
            var tcp = Bound(SocketType.Stream, ProtocolType.Tcp, opened);
            tcp.Listen(16);
            var sets = new NftSetWriter(NetfilterSocket.Open(), table);
            opened.Add(sets);
            NflogListener? refusals = null;
            try
            {
                if (logGroup is { } group) refusals = NflogListener.Open(group);
            }
            catch (KernelException e)
            {
                verbose($"refused connections are counted but not listed: {e.Message}");
            }
            return new ResolverSockets { Udp = udp, Tcp = tcp, Sets = sets, Refusals = refusals };
        }
        catch
        {
            foreach (var d in opened) d.Dispose();
            throw;
        }
    }

    private static Socket Bound(SocketType type, ProtocolType protocol, List<IDisposable> opened)
    {
        var s = new Socket(AddressFamily.InterNetwork, type, protocol);
        opened.Add(s);
        s.SetRawSocketOption(SolIp, IpFreebind, BitConverter.GetBytes(1));
        s.Bind(Listen);
        return s;
    }

    public void Dispose()
    {
        Udp.Dispose();
        Tcp.Dispose();
        Sets.Dispose();
        Refusals?.Dispose();
    }
}
