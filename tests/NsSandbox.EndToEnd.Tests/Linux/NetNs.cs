using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace NsSandbox.EndToEnd.Tests.Linux;

/// <summary>Sockets created inside a named network namespace (/run/netns/NAME). A socket keeps the namespace it
/// was created in, so a short-lived thread enters the namespace, creates it and ends.</summary>
public static partial class NetNs
{
    private const int CloneNewNet = 0x40000000;

    [LibraryImport("libc", EntryPoint = "setns", SetLastError = true)]
    private static partial int SetNs(int fd, int nsType);

    public static T In<T>(string netns, Func<T> create)
    {
        T? result = default;
        Exception? error = null;
        var thread = new Thread(() =>
        {
            try
            {
                using var ns = File.OpenHandle($"/run/netns/{netns}");
                if (SetNs((int)ns.DangerousGetHandle(), CloneNewNet) != 0)
                    throw new IOException($"setns {netns}: errno {Marshal.GetLastPInvokeError()}");
                result = create();
            }
            catch (Exception e)
            {
                error = e;
            }
        });
        thread.Start();
        thread.Join();
        if (error is not null) throw error;
        return result!;
    }

    public static Socket Listen(string netns, IPEndPoint at, SocketType type = SocketType.Stream) => In(netns, () =>
    {
        var s = new Socket(at.AddressFamily, type, type == SocketType.Stream ? ProtocolType.Tcp : ProtocolType.Udp);
        s.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        s.Bind(at);
        if (type == SocketType.Stream) s.Listen(16);
        return s;
    });

    /// <summary>Connects from inside <paramref name="netns"/> and reads what the peer says; null when refused.</summary>
    public static string? Fetch(string netns, IPEndPoint to)
    {
        using var s = In(netns, () => new Socket(to.AddressFamily, SocketType.Stream, ProtocolType.Tcp));
        try
        {
            s.ReceiveTimeout = 5000;
            s.Connect(to);
            var buffer = new byte[256];
            int n = s.Receive(buffer);
            return System.Text.Encoding.ASCII.GetString(buffer, 0, n);
        }
        catch (SocketException)
        {
            return null;
        }
    }
}
