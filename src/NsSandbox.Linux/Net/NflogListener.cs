using System.Buffers.Binary;
using System.Net;

namespace NsSandbox.Linux.Net;

/// <summary>A packet an nftables "log group" rule copied to us: its family, transport protocol, destination and,
/// for TCP and UDP, destination port.</summary>
public sealed record LoggedPacket(IPAddress Destination, int? Port, string Protocol);

/// <summary>Receives the packets an nftables rule logs to an nflog group (nfnetlink_log) in the network namespace
/// the socket was opened in. Nothing reads during the run: the kernel queues each packet's first bytes in the
/// socket as it is logged, and <see cref="Drain"/> takes them once the run is over. When the queue is full the
/// newest are dropped, so the first ones, which the report shows, are kept.</summary>
public sealed class NflogListener : IDisposable
{
    private const ushort Subsystem = 4 << 8; // NFNL_SUBSYS_ULOG
    private const ushort PacketMessage = Subsystem | 0, ConfigMessage = Subsystem | 1;
    private const ushort ConfigCommand = 1, ConfigMode = 2, ConfigQueueThreshold = 5, Payload = 9;
    private const byte Bind = 1, CopyPacket = 2;
    /// <summary>Enough of the packet for an IPv6 header and a port.</summary>
    private const uint CopyRange = 64;
    private const int TcpProtocol = 6, UdpProtocol = 17, IcmpProtocol = 1, Icmp6Protocol = 58;
    private const byte Inet4 = 2, Inet6 = 10;

    private readonly NetfilterSocket _socket;

    private NflogListener(NetfilterSocket socket) => _socket = socket;

    /// <summary>Binds <paramref name="group"/> in the current network namespace; each packet is sent at once
    /// (queue threshold 1), so none waits in the kernel when the run ends.</summary>
    public static NflogListener Open(ushort group)
    {
        var socket = NetfilterSocket.Open();
        try
        {
            var w = new NetlinkWriter();
            uint sequence = socket.NextSequence();
            w.Begin(ConfigMessage, NetlinkWriter.Request | NetlinkWriter.Ack, sequence, 0, group);
            w.Attribute(ConfigCommand, [Bind]);
            Span<byte> mode = stackalloc byte[6];
            BinaryPrimitives.WriteUInt32BigEndian(mode, CopyRange);
            mode[4] = CopyPacket;
            w.Attribute(ConfigMode, mode);
            w.AttributeBigEndian(ConfigQueueThreshold, 1u);
            w.End();
            int errno = socket.Exchange(w, [sequence]);
            if (errno != 0) throw new KernelException("nflog bind", $"group {group}", errno);
            return new NflogListener(socket);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>The packets logged so far, in order (at most <paramref name="max"/>); <paramref name="complete"/>
    /// is false when the kernel dropped some for want of room.</summary>
    public List<LoggedPacket> Drain(int max, out bool complete)
    {
        var packets = new List<LoggedPacket>();
        complete = _socket.Drain(message =>
        {
            if (message.Type != PacketMessage || packets.Count >= max) return;
            if (NetlinkReader.Find(message.NetfilterAttributes, Payload, out var payload) && Parse(message.NetfilterFamily, payload) is { } p)
                packets.Add(p);
        });
        return packets;
    }

    /// <summary>An IPv4 or IPv6 packet's destination (IPv6 extension headers are not followed: the port is then
    /// left out).</summary>
    public static LoggedPacket? Parse(byte family, ReadOnlySpan<byte> packet)
    {
        int protocol, transport;
        IPAddress destination;
        if (family == Inet4 && packet.Length >= 20 && packet[0] >> 4 == 4)
        {
            protocol = packet[9];
            transport = (packet[0] & 0xf) * 4;
            destination = new IPAddress(packet.Slice(16, 4));
        }
        else if (family == Inet6 && packet.Length >= 40 && packet[0] >> 4 == 6)
        {
            protocol = packet[6];
            transport = 40;
            destination = new IPAddress(packet.Slice(24, 16));
        }
        else
        {
            return null;
        }
        int? port = protocol is TcpProtocol or UdpProtocol && packet.Length >= transport + 4
            ? BinaryPrimitives.ReadUInt16BigEndian(packet[(transport + 2)..]) : null;
        string name = protocol switch
        {
            TcpProtocol => "tcp",
            UdpProtocol => "udp",
            IcmpProtocol => "icmp",
            Icmp6Protocol => "icmpv6",
            _ => protocol.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        return new LoggedPacket(destination, port, name);
    }

    public void Dispose() => _socket.Dispose();
}
