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
///   host (192.0.2.2; DNS on 127.0.0.53; veth mvlow for macvlan)  --veth--  world (192.0.2.1; on lo 203.0.113.10,
///                                                                           10.99.0.1, sites 198.51.100.1-3)
///
/// Servers answer one line and close: world 192.0.2.1:8080 "outside", 203.0.113.10:8080 "deniable",
/// 10.99.0.1:8080 "private", 198.51.100.N:8080 "site-N"; host 127.0.0.1:8081 "host-loopback", 127.0.0.1:8083
/// "host-other", 192.0.2.2:8082 "host-itself". The DNS server (<see cref="LabDns"/>) answers the names a test
/// sets, and every other A query with 192.0.2.1; the host namespace's resolv.conf names it, a resolver on the
/// host's loopback as systemd-resolved's 127.0.0.53 is.</summary>
public sealed class NetworkLab : IDisposable
{
    public const string Outside = "192.0.2.1", HostAddress = "192.0.2.2", Dns = "127.0.0.53",
        Deniable = "203.0.113.10", Private = "10.99.0.1", MacvlanLower = "mvlow";
    public static readonly string[] Sites = ["198.51.100.1", "198.51.100.2", "198.51.100.3"];

    // Unique per lab: a test class may have one of its own beside NetworkTests'.
    private readonly string _prefix = $"nsst{Environment.ProcessId % 100000}x{Random.Shared.Next(10000):0000}";
    public string Host => _prefix + "-h";
    public string World => _prefix + "-w";
    public string? Unavailable { get; }
    public LabDns Resolver { get; } = new();

    private readonly List<Socket> _servers = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly bool _createdEtcNetns;

    public NetworkLab()
    {
        if (!IsRoot()) { Unavailable = "needs root to build the test network"; return; }
        if (Tests.Require.MissingEgressProgram() is { } why) { Unavailable = why; return; }
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
            foreach (string a in new[] { Deniable, Private }.Concat(Sites)) Ip("-n", World, "addr", "add", a + "/32", "dev", "lo");
            // ip netns exec bind-mounts this over /etc/resolv.conf for what runs in the host namespace.
            Directory.CreateDirectory($"/etc/netns/{Host}");
            File.WriteAllText($"/etc/netns/{Host}/resolv.conf", $"nameserver {Dns}\n");

            Serve(World, Outside, 8080, "outside");
            Serve(World, Deniable, 8080, "deniable");
            Serve(World, Private, 8080, "private");
            for (int i = 0; i < Sites.Length; i++) Serve(World, Sites[i], 8080, $"site-{i + 1}");
            Serve(Host, "127.0.0.1", 8081, "host-loopback");
            Serve(Host, "127.0.0.1", 8083, "host-other");
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

    /// <summary>Skips the test unless it runs as root and the lab could be built.</summary>
    public void Require()
    {
        Tests.Require.Root();
        if (Unavailable is { } why) Assert.Skip(why);
    }

    /// <summary>Namespaces of this lab that still exist (for the leak assertion).</summary>
    public IEnumerable<string> Leftovers() =>
        Directory.Exists("/run/netns") ? Directory.GetFiles("/run/netns").Select(f => Path.GetFileName(f)).Where(n => n.StartsWith(_prefix, StringComparison.Ordinal)) : [];

    /// <summary>The live processes of the machine in this lab's host namespace ("PID (command)"), waiting up to
    /// <paramref name="grace"/> for them to go: what the runs of this lab left there (a launcher, slirp4netns).
    /// Tied to the lab's own namespace, so other tests' sandboxes and slirp4netns running meanwhile never count;
    /// the lab's servers are sockets of this process, not processes there.</summary>
    public List<string> ProcessesInHost(TimeSpan grace)
    {
        if (Unavailable is not null) return [];
        string ns = NetNs.In(Host, () => new FileInfo("/proc/thread-self/ns/net").LinkTarget!);
        var until = DateTime.UtcNow + grace;
        while (true)
        {
            var found = new List<string>();
            foreach (string dir in Directory.GetDirectories("/proc"))
            {
                if (!int.TryParse(Path.GetFileName(dir), out int pid)) continue;
                try
                {
                    if (new FileInfo($"/proc/{pid}/ns/net").LinkTarget == ns && Subreaper.IsLive(pid))
                        found.Add($"{pid} ({Subreaper.CommandName(pid)})");
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    // gone meanwhile
                }
            }
            if (found.Count == 0 || DateTime.UtcNow > until) return found;
            Thread.Sleep(50);
        }
    }

    /// <summary>Runs a program in the lab's host namespace (as the launcher runs there) and returns its output.</summary>
    public string InHost(params string[] command)
    {
        var psi = new ProcessStartInfo("ip") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in new[] { "netns", "exec", Host }.Concat(command)) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var output = p.StandardOutput.ReadToEndAsync();
        var error = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromSeconds(60)))
        {
            p.Kill();
            throw new TimeoutException($"{string.Join(' ', command)} did not finish within 60 s");
        }
        if (p.ExitCode != 0) throw new InvalidOperationException($"{string.Join(' ', command)}: {error.Result.Trim()}");
        return output.Result;
    }

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
        var tcp = NetNs.Listen(Host, new IPEndPoint(IPAddress.Parse(Dns), 53));
        _servers.Add(tcp);
        _ = Task.Run(async () =>
        {
            while (!_stop.IsCancellationRequested)
            {
                try
                {
                    using var c = await tcp.AcceptAsync(_stop.Token);
                    using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
                    timeout.CancelAfter(TimeSpan.FromSeconds(10));
                    var length = new byte[2];
                    await c.ReceiveAsync(length, timeout.Token); // the lab's clients send each message in one piece
                    var query = new byte[length[0] << 8 | length[1]];
                    for (int read = 0, n; read < query.Length; read += n)
                        if ((n = await c.ReceiveAsync(query.AsMemory(read), timeout.Token)) == 0) break;
                    if (Resolver.Answer(query, overTcp: true) is { } reply)
                        await c.SendAsync(new byte[] { (byte)(reply.Length >> 8), (byte)reply.Length }.Concat(reply).ToArray(), timeout.Token);
                }
                catch (Exception) when (_stop.IsCancellationRequested) { return; }
                catch (Exception e) when (e is SocketException or OperationCanceledException) { }
            }
        });
    }

    /// <summary>The lab's resolver on 127.0.0.53:53, UDP and TCP (one connection at a time).</summary>
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
                    if (Resolver.Answer(buffer.AsSpan(0, r.ReceivedBytes)) is { } reply) await udp.SendToAsync(reply, r.RemoteEndPoint);
                }
                catch (Exception) when (_stop.IsCancellationRequested) { return; }
                catch (SocketException) { }
            }
        });
    }

    public void Dispose()
    {
        var left = ProcessesInHost(TimeSpan.FromSeconds(10));
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
        if (left.Count > 0) throw new InvalidOperationException("processes outlived the lab's runs: " + string.Join(", ", left));
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
