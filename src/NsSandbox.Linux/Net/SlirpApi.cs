using System.Net.Sockets;
using System.Text;

namespace NsSandbox.Linux.Net;

/// <summary>slirp4netns' control socket (--api-socket): one JSON request per connection.</summary>
public static class SlirpApi
{
    /// <summary>Forwards TCP port <paramref name="hostPort"/> of the host's 127.0.0.1 to <paramref name="sandboxPort"/>
    /// of the sandbox (slirp4netns' own address there).</summary>
    public static void AddTcpForward(string socketPath, int hostPort, int sandboxPort)
    {
        string request = "{\"execute\":\"add_hostfwd\",\"arguments\":{\"proto\":\"tcp\",\"host_addr\":\"127.0.0.1\"," +
                         $"\"host_port\":{hostPort},\"guest_port\":{sandboxPort}}}}}";
        string reply;
        try
        {
            using var s = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            s.Connect(new UnixDomainSocketEndPoint(socketPath));
            s.Send(Encoding.UTF8.GetBytes(request));
            s.Shutdown(SocketShutdown.Send);
            var buffer = new byte[4096];
            int total = 0, n;
            while (total < buffer.Length && (n = s.Receive(buffer, total, buffer.Length - total, SocketFlags.None)) > 0) total += n;
            reply = Encoding.UTF8.GetString(buffer, 0, total);
        }
        catch (SocketException e)
        {
            throw new NetworkException($"forward 127.0.0.1:{hostPort} to the sandbox's port {sandboxPort}: slirp4netns' API: {e.Message}");
        }
        if (!reply.Contains("\"return\"", StringComparison.Ordinal))
            throw new NetworkException($"forward 127.0.0.1:{hostPort} to the sandbox's port {sandboxPort}: slirp4netns said {reply.Trim()}");
    }
}
