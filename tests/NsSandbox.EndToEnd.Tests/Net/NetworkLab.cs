using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using NsSandbox.EndToEnd.Tests.Linux;

namespace NsSandbox.EndToEnd.Tests.Net;

/// <summary>A test network made of two network namespaces this fixture creates and removes: "host", where
/// nssandbox runs (through ip netns exec), and "world", its only neighbour, on documentation addresses. Nothing
/// leaves them: the host namespace's only route is the veth to the world, and the world has no other link.
///
///   host (192.0.2.2; DNS on 127.0.0.53; veth mvlow for macvlan)  --veth--  world (192.0.2.1; on lo 203.0.113.10, 10.99.0.1)
///
/// Servers answer one line and close: world 192.0.2.1:8080 "outside", 203.0.113.10:8080 "deniable",
/// 10.99.0.1:8080 "private"; host 127.0.0.1:8081 "host-loopback", 192.0.2.2:8082 "host-itself". The DNS server
/// answers every A query with 192.0.2.1; the host namespace's resolv.conf names it, a resolver on the host's
/// loopback as systemd-resolved's 127.0.0.53 is.</summary>
public sealed class NetworkLab : IDisposable
{
    public const string Outside = "192.0.2.1", HostAddress = "192.0.2.2", Dns = "127.0.0.53",
        Deniable = "203.0.113.10", Private = "10.99.0.1", MacvlanLower = "mvlow";

    private static readonly string Prefix = $"nsst{Environment.ProcessId % 100000}x{Random.Shared.Next(1000):000}";
    public string Host { get; } = Prefix + "-h";
    public string World { get; } = Prefix + "-w";
    public string? Unavailable { get; }

    private readonly List<Socket> _servers = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly bool _createdEtcNetns;

    public NetworkLab()
    {
        if (!IsRoot()) { Unavailable = "needs root to build the test network"; return; }
        if (Require.MissingEgressProgram() is { } why) { Unavailable = why; return; }
        _createdEtcNetns = !Directory.Exists("/etc/netns");
        try
        {
            Ip("netns", "add", Host);
            Ip("netns", "add", World);
            Ip("-n", Host, "link", "add", "veth0", "type", "veth", "peer", "name", "veth1", "netns", World);
            Ip("-n", Host, "addr", "add", HostAddress + "/24", "dev", "veth0");
            Ip("-n", Host, "link", "set", "veth0", "up");
            Ip("-n", Host, "link", "set", "lo", "up");
            Ip("-n", Host, "route", "add", "default", "via", Outside);
            // The macvlan's lower device: one end of a veth pair (this kernel has no dummy driver).
            Ip("-n", Host, "link", "add", MacvlanLower, "type", "veth", "peer", "name", "mvpeer");
            Ip("-n", Host, "link", "set", MacvlanLower, "up");
            Ip("-n", Host, "link", "set", "mvpeer", "up");
            Ip("-n", World, "addr", "add", Outside + "/24", "dev", "veth1");
            Ip("-n", World, "link", "set", "veth1", "up");
            Ip("-n", World, "link", "set", "lo", "up");
            foreach (string a in new[] { Deniable, Private }) Ip("-n", World, "addr", "add", a + "/32", "dev", "lo");
            // ip netns exec bind-mounts this over /etc/resolv.conf for what runs in the host namespace.
            Directory.CreateDirectory($"/etc/netns/{Host}");
            File.WriteAllText($"/etc/netns/{Host}/resolv.conf", $"nameserver {Dns}\n");

            Serve(World, Outside, 8080, "outside");
            Serve(World, Deniable, 8080, "deniable");
            Serve(World, Private, 8080, "private");
            Serve(Host, "127.0.0.1", 8081, "host-loopback");
            Serve(Host, HostAddress, 8082, "host-itself");
            ServeDns();
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public Launcher NewLauncher() => new() { Wrapper = ["ip", "netns", "exec", Host] };

    /// <summary>Namespaces of this lab that still exist (for the leak assertion).</summary>
    public static IEnumerable<string> Leftovers() =>
        Directory.Exists("/run/netns") ? Directory.GetFiles("/run/netns").Select(f => Path.GetFileName(f)).Where(n => n.StartsWith(Prefix, StringComparison.Ordinal)) : [];

    private void Serve(string netns, string address, int port, string answer)
    {
        var listener = NetNs.Listen(netns, new IPEndPoint(IPAddress.Parse(address), port));
        _servers.Add(listener);
        _ = Task.Run(async () =>
        {
            while (!_stop.IsCancellationRequested)
            {
                try
                {
                    using var c = await listener.AcceptAsync(_stop.Token);
                    await c.SendAsync(Encoding.ASCII.GetBytes(answer + "\n"));
                    c.Shutdown(SocketShutdown.Both);
                }
                catch (Exception) when (_stop.IsCancellationRequested) { return; }
                catch (SocketException) { }
            }
        });
    }

    /// <summary>Answers each query with one A record, 192.0.2.1 (RFC 1035 layout: header, question, answer).</summary>
    private void ServeDns()
    {
        var udp = NetNs.Listen(Host, new IPEndPoint(IPAddress.Parse(Dns), 53), SocketType.Dgram);
        _servers.Add(udp);
        _ = Task.Run(async () =>
        {
            var buffer = new byte[512];
            while (!_stop.IsCancellationRequested)
            {
                try
                {
                    var r = await udp.ReceiveFromAsync(buffer, new IPEndPoint(IPAddress.Any, 0), _stop.Token);
                    if (r.ReceivedBytes < 12) continue;
                    int end = 12;
                    while (end < r.ReceivedBytes && buffer[end] != 0) end += buffer[end] + 1;
                    end += 5; // the root label, QTYPE and QCLASS
                    bool isA = buffer[end - 4] == 0 && buffer[end - 3] == 1;
                    var reply = new List<byte>(buffer[..end]);
                    reply[2] = 0x81; reply[3] = 0x80; // a response, recursion desired and available, no error
                    reply[6] = 0; reply[7] = (byte)(isA ? 1 : 0); // answer count
                    reply[8] = reply[9] = reply[10] = reply[11] = 0;
                    if (isA) reply.AddRange([0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 192, 0, 2, 1]);
                    await udp.SendToAsync(reply.ToArray(), r.RemoteEndPoint);
                }
                catch (Exception) when (_stop.IsCancellationRequested) { return; }
                catch (SocketException) { }
            }
        });
    }

    public void Dispose()
    {
        _stop.Cancel();
        foreach (var s in _servers) s.Dispose();
        foreach (string ns in new[] { Host, World })
            if (File.Exists($"/run/netns/{ns}")) Ip("netns", "del", ns);
        if (Directory.Exists($"/etc/netns/{Host}")) Directory.Delete($"/etc/netns/{Host}", recursive: true);
        // /etc/netns is shared with every other lab on the machine: one may have put its directory there meanwhile.
        if (_createdEtcNetns && Directory.Exists("/etc/netns") && !Directory.EnumerateFileSystemEntries("/etc/netns").Any())
        {
            try { Directory.Delete("/etc/netns"); }
            catch (IOException) { }
        }
        if (Leftovers().Any()) throw new InvalidOperationException("network namespaces left behind: " + string.Join(", ", Leftovers()));
        if (Subreaper.LiveChildren("slirp4netns").Any()) throw new InvalidOperationException("slirp4netns outlived the suite");
    }

    private static void Ip(params string[] args)
    {
        var psi = new ProcessStartInfo("ip") { RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromSeconds(60)))
        {
            p.Kill();
            throw new TimeoutException($"ip {string.Join(' ', args)} did not finish within 60 s");
        }
        if (p.ExitCode != 0) throw new InvalidOperationException($"ip {string.Join(' ', args)}: {err.Result.Trim()}");
    }

    private static bool IsRoot() => File.ReadAllLines("/proc/self/status")
        .First(l => l.StartsWith("Uid:", StringComparison.Ordinal)).Split('\t', StringSplitOptions.RemoveEmptyEntries)[2] == "0";
}
