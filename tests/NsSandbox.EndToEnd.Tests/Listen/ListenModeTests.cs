using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace NsSandbox.EndToEnd.Tests.Listen;

/// <summary>Mode listen for real: nssandbox -Ml in the test's own network namespace, real sandboxes, real TCP
/// clients (from 127.0.0.1, 127.0.0.2, ... and ::1). Every read, accept and wait is bounded; the leak checks
/// look at the listener these tests started (its pid, its state directory, its reports), never at the machine.</summary>
public sealed class ListenModeTests : IDisposable
{
    private readonly Launcher _nss = new();
    private PrivateNetwork? _network;

    public void Dispose()
    {
        _network?.Dispose();
        _nss.Dispose();
    }

    private Listener Start(IEnumerable<string> flags, string[] command, string? shellPrefix = null, bool bindLoopback = true, string? logFile = null)
    {
        PrivateNetwork.Require();
        _network ??= new PrivateNetwork();
        return Listener.Start(_network, _nss, flags, command, shellPrefix, bindLoopback, logFile);
    }

    private static int PortOf(System.Net.Sockets.Socket client) => ((IPEndPoint)client.LocalEndPoint!).Port;

    private string[] RunDirectories() =>
        Directory.Exists(Path.Combine(_nss.StateDir, "runs")) ? Directory.GetFileSystemEntries(Path.Combine(_nss.StateDir, "runs")) : [];

    [Fact]
    public async Task ConcurrentClientsEachGetAFreshSandboxWithTheSocketAsStdio()
    {
        // Each sandbox: pid 1 of its own namespace, an empty /data of its own (a file written there is still its
        // own half a second later, while nine others write theirs), and fds 0-2 all one socket.
        using var listener = Start(["-t", "60"], ["/bin/sh", "-c",
            "read name; echo \"empty=$(ls -A /data | wc -l) pid=$$ stdio=$(readlink /proc/$$/fd/0 /proc/$$/fd/1 /proc/$$/fd/2 | sort -u | tr '\\n' ' ')\"; " +
            "echo $name > /data/mine; sleep 0.5; cat /data/mine"]);
        var answers = await Task.WhenAll(Enumerable.Range(0, 10).Select(i => Task.Run(() => listener.Exchange($"client-{i}\n"))))
            .WaitAsync(Listener.Within, TestContext.Current.CancellationToken);
        for (int i = 0; i < 10; i++)
            Assert.Matches($@"^empty=0 pid=1 stdio=socket:\[\d+\] \nclient-{i}\n$", answers[i]);
        listener.WaitForLine("end=exited status=0 ", 10);
        var runs = listener.Lines().Where(l => l.Contains("end=exited")).Select(l => Regex.Match(l, @"run=(\S+)").Groups[1].Value);
        Assert.Equal(10, runs.Distinct().Count());
        Assert.All(listener.Lines().Where(l => l.Contains("end=")), l =>
            Assert.Matches(@"^nssandbox: peer=127\.0\.0\.1:\d+ run=\S+ end=exited status=0 wall=\d+\.\d{3}s mem_peak=\d+(\.\d)?(MiB|KiB)$", l));
    }

    [Fact]
    public void ThePerAddressLimitCountsEachClientAddressApart()
    {
        using var listener = Start(["-t", "60", "--max_conns_per_ip", "2"], ["/bin/sh", "-c", "echo ready; read x; echo bye"]);
        using var a = listener.Connect();
        Assert.Equal("ready", Listener.ReadLine(a));
        using var b = listener.Connect();
        Assert.Equal("ready", Listener.ReadLine(b));
        using (var over = listener.Connect())
        {
            Assert.Equal("", Listener.ReadToEnd(over)); // closed without a word
            listener.WaitForLine($@"^nssandbox: peer=127\.0\.0\.1:{PortOf(over)} refused max_conns_per_ip=2$");
        }
        using var c = listener.Connect("127.0.0.2");
        Assert.Equal("ready", Listener.ReadLine(c));
        using var d = listener.Connect("127.0.0.2");
        Assert.Equal("ready", Listener.ReadLine(d));
        using (var over2 = listener.Connect("127.0.0.2"))
            Assert.Equal("", Listener.ReadToEnd(over2));
        listener.WaitForLine(@"peer=127\.0\.0\.2:\d+ refused max_conns_per_ip=2$");
        // One of 127.0.0.1's ends: its place is free again.
        a.Send("x\n"u8.ToArray());
        Assert.Equal("bye\n", Listener.ReadToEnd(a));
        listener.WaitForLine("end=exited");
        using var again = listener.Connect();
        Assert.Equal("ready", Listener.ReadLine(again));
    }

    [Fact]
    public void TheTotalLimitRefusesTheConnectionOverIt()
    {
        using var listener = Start(["-t", "60", "--max_conns", "2"], ["/bin/sh", "-c", "echo ready; read x"]);
        using var a = listener.Connect("127.0.0.1");
        Assert.Equal("ready", Listener.ReadLine(a));
        using var b = listener.Connect("127.0.0.2");
        Assert.Equal("ready", Listener.ReadLine(b));
        using var over = listener.Connect("127.0.0.3");
        Assert.Equal("", Listener.ReadToEnd(over));
        listener.WaitForLine($@"peer=127\.0\.0\.3:{PortOf(over)} refused max_conns=2$");
        Assert.Equal(2, listener.Children().Count);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void AClientThatDisconnectsMidRunEndsItsSandboxAndNothingIsLeft(bool reset)
    {
        // The command writes on: once the client has gone, the connection is reset both ways.
        using var listener = Start(["-t", "60"], ["/bin/sh", "-c", "echo started; while :; do echo tick; sleep 0.05; done"]);
        var client = listener.Connect();
        Assert.Equal("started", Listener.ReadLine(client));
        if (reset) Listener.Reset(client);
        else client.Close();
        string line = listener.WaitForLine("end=");
        Assert.Matches($@"peer=127\.0\.0\.1:\d+ run=\S+ end=disconnected status=137 signal=SIGKILL ", line);
        Assert.Empty(listener.Children());
        Assert.Empty(RunDirectories());
        // And the listener goes on.
        using var next = listener.Connect();
        Assert.Equal("started", Listener.ReadLine(next));
    }

    [Fact]
    public void AHalfClosedClientStillGetsItsAnswer()
    {
        using var listener = Start(["-t", "60"], ["/bin/sh", "-c", "cat; echo end"]);
        Assert.Equal("abc\nend\n", listener.Exchange("abc\n"));
        Assert.Contains(" end=exited status=0 ", listener.WaitForLine("end="));
    }

    [Fact]
    public async Task SeccompKillsEndTheirOwnConnectionOnly()
    {
        using var listener = Start(["-t", "60", "--seccomp_string", "POLICY p { KILL_PROCESS { uname } } USE p DEFAULT ALLOW"],
            ["/bin/sh", "-c", "read x; echo $x; exec uname"]);
        var answers = await Task.WhenAll(Enumerable.Range(0, 4).Select(i => Task.Run(() => listener.Exchange($"c{i}\n"))))
            .WaitAsync(Listener.Within, TestContext.Current.CancellationToken);
        Assert.Equal(["c0\n", "c1\n", "c2\n", "c3\n"], answers);
        listener.WaitForLine("end=seccomp", 4);
        // The kernel multicasts audit records in the initial network namespace only, and this listener runs in the
        // test's own: the kills are the filter's (SIGSYS, the report's reason "seccomp") but no record names the
        // call (SeccompAuditHubTests reads them through the listener's shared audit socket).
        Assert.Equal(4, listener.Count(@"end=seccomp status=159 signal=SIGSYS wall="));
    }

    [Fact]
    public void ASlowClientIsBoundedByTheTimeLimit()
    {
        using var listener = Start(["-t", "1"], ["/bin/sh", "-c", "echo ready; read x; echo never"]);
        using var client = listener.Connect();
        Assert.Equal("ready", Listener.ReadLine(client));
        Assert.Equal("", Listener.ReadToEnd(client)); // it never writes: the time limit closes the connection
        Assert.Contains(" end=timeout status=124 ", listener.WaitForLine("end="));
    }

    [Fact]
    public void ASandboxThatCannotBeSetUpIsOneLineAndTheListenerGoesOn()
    {
        using var listener = Start(["--bindmount", "/nonexistent-nss-e2e:/x"], ["/bin/true"]);
        Assert.Equal("", listener.Exchange(""));
        Assert.Equal("", listener.Exchange(""));
        string line = listener.WaitForLine("end=setup-error", 2);
        Assert.Matches(@"end=setup-error status=126 wall=\S+ mem_peak=\S+ error="".*nonexistent-nss-e2e.*""$", line);
        Assert.False(listener.Process.HasExited);
        Assert.Empty(RunDirectories());
    }

    [Fact]
    public void AThousandSequentialConnectionsLeakNoDescriptorMountCgroupRunDirectoryOrProcess()
    {
        Require.Cgroup("pids");
        string reports = Path.Combine(_nss.TempDir, "reports");
        Directory.CreateDirectory(reports);
        // A cgroup for every connection, and a report naming it.
        using var listener = Start(["-t", "30", "--cgroup_pids_max", "16", "--report_dir", reports], ["/bin/echo", "hi"]);
        const int WarmUp = 50, Total = 1000;
        for (int i = 0; i < WarmUp; i++) Assert.Equal("hi\n", listener.Exchange(""));
        listener.WaitForLine("end=exited", WarmUp);
        int descriptors = listener.OpenDescriptors();
        for (int i = WarmUp; i < Total; i++) Assert.Equal("hi\n", listener.Exchange(""));
        listener.WaitForLine("end=exited", Total);

        Assert.Equal(Total, listener.Count(@"end=exited status=0 "));
        Assert.True(listener.OpenDescriptors() <= descriptors, $"descriptors: {descriptors} after {WarmUp} connections, {listener.OpenDescriptors()} after {Total}");
        Assert.Empty(listener.Children());
        Assert.Empty(RunDirectories());
        Assert.DoesNotContain(File.ReadAllLines($"/proc/{listener.Pid}/mountinfo"), l => l.Contains(_nss.StateDir, StringComparison.Ordinal));
        var files = Directory.GetFiles(reports);
        Assert.Equal(Total, files.Length);
        foreach (string file in files)
        {
            using var report = JsonDocument.Parse(File.ReadAllText(file));
            string leaf = report.RootElement.GetProperty("cgroup").GetProperty("path").GetString()!;
            Assert.False(Directory.Exists(leaf), $"{leaf} was left behind");
        }
    }

    [Fact]
    public async Task SigtermUnderLoadStopsAcceptingEndsEverySandboxAndExitsZero()
    {
        string marker = "NSS_E2E_LISTEN=" + Guid.NewGuid().ToString("N");
        // sh as pid 1 of its namespace ignores SIGTERM: the listener kills what is left after its grace.
        using var listener = Start(["-t", "120", "--env", marker], ["/bin/sh", "-c", "echo ready; sleep 100"]);
        var clients = Enumerable.Range(0, 20).Select(i => listener.Connect($"127.0.0.{1 + i % 4}")).ToList();
        try
        {
            Assert.All(clients, c => Assert.Equal("ready", Listener.ReadLine(c)));
            var endpoint = listener.Endpoint;
            var closed = Task.WhenAll(clients.Select(c => Task.Run(() => Listener.ReadToEnd(c))));
            listener.Signal("TERM");
            Assert.Equal(0, listener.WaitForExit());
            Assert.All(await closed.WaitAsync(Listener.Within, TestContext.Current.CancellationToken), Assert.Empty);
            Assert.Equal(20, listener.Count(@"end=signaled status=137 signal=SIGKILL forwarded=SIGTERM "));
            Assert.Contains("nssandbox: SIGTERM: stopped listening; ending 20 sandboxes", listener.Lines());
            Assert.Contains("nssandbox: stopped after 20 connections", listener.Lines());
            Assert.Empty(RunDirectories());
            Assert.DoesNotContain(Linux.Subreaper.LiveDescendants(), p => Linux.Subreaper.HasEnvironmentEntry(p, marker));
            Assert.ThrowsAny<System.Net.Sockets.SocketException>(() => listener.Connect().Dispose());
        }
        finally
        {
            clients.ForEach(c => c.Dispose());
        }
    }

    [Fact]
    public async Task SigtermWhileClientsKeepConnectingLeavesNoClientHangingAndNoConnectionUnlogged()
    {
        string marker = "NSS_E2E_LISTEN=" + Guid.NewGuid().ToString("N");
        using var listener = Start(["-t", "60", "--env", marker], ["/bin/sh", "-c", "read x; echo \"$x\""]);
        int answered = 0, cut = 0, refused = 0;
        using var stop = new CancellationTokenSource();
        // Four clients connect again and again until the listener refuses them; each attempt either gets its
        // answer, or is cut off (its sandbox ended by the stop, or its connection reset in the closed backlog or
        // handshake), and none hangs.
        var clients = Enumerable.Range(0, 4).Select(i => Task.Run(() =>
        {
            for (int n = 0; ; n++)
            {
                System.Net.Sockets.Socket client;
                try
                {
                    client = listener.Connect($"127.0.0.{1 + i}");
                }
                catch (System.Net.Sockets.SocketException e) when (e.SocketErrorCode == System.Net.Sockets.SocketError.ConnectionRefused)
                {
                    Interlocked.Increment(ref refused);
                    return;
                }
                catch (System.Net.Sockets.SocketException e) when (e.SocketErrorCode == System.Net.Sockets.SocketError.ConnectionReset)
                {
                    Interlocked.Increment(ref cut); // its handshake met the socket's close
                    continue;
                }
                using (client)
                {
                    string line = $"c{i}-{n}\n";
                    try
                    {
                        client.Send(System.Text.Encoding.UTF8.GetBytes(line));
                    }
                    catch (System.Net.Sockets.SocketException e) when (e.SocketErrorCode is System.Net.Sockets.SocketError.ConnectionReset
                                                                          or System.Net.Sockets.SocketError.Shutdown)
                    {
                        Interlocked.Increment(ref cut);
                        continue;
                    }
                    string answer = Listener.ReadToEnd(client);
                    if (answer == line) Interlocked.Increment(ref answered);
                    else if (answer == "") Interlocked.Increment(ref cut);
                    else throw new InvalidOperationException($"client {i}: '{answer}' for '{line}'");
                }
            }
        })).ToList();
        var until = DateTime.UtcNow + Listener.Within;
        while (Volatile.Read(ref answered) < 40 && DateTime.UtcNow < until && !clients.Any(c => c.IsFaulted)) Thread.Sleep(20);
        Assert.True(answered >= 40, $"{answered} answers before the stop:\n{listener.Log}");
        listener.Signal("TERM");
        Assert.Equal(0, listener.WaitForExit());
        await Task.WhenAll(clients).WaitAsync(Listener.Within, TestContext.Current.CancellationToken);

        Assert.Equal(4, refused);
        // Every connection the listener took has its line (and none was left half-served), and nothing is left.
        int served = int.Parse(Regex.Match(listener.WaitForLine(@"^nssandbox: stopped after \d+ connections?$"), @"(\d+)").Groups[1].Value);
        Assert.Equal(served, listener.Count(" end="));
        Assert.InRange(served, answered, answered + cut);
        Assert.Empty(RunDirectories());
        Assert.DoesNotContain(Linux.Subreaper.LiveDescendants(), p => Linux.Subreaper.HasEnvironmentEntry(p, marker));
    }

    [Fact]
    public void OutOfDescriptorsTheListenerPausesAcceptingInsteadOfSpinningAndRecovers()
    {
        foreach (string dir in new[] { "/usr/bin", "/bin" })
            if (File.Exists(Path.Combine(dir, "prlimit"))) goto found;
        Assert.Skip("needs prlimit (Debian package util-linux), which this machine lacks");
        found:
        using var listener = Start(["-t", "60"], ["/bin/sh", "-c", "echo ready; read x; echo bye"]);
        using var holder = listener.Connect();
        Assert.Equal("ready", Listener.ReadLine(holder));
        // Its descriptor limit lowered to its lowest free descriptor: no new one can be made, accept included.
        var open = Directory.GetFiles($"/proc/{listener.Pid}/fd").Select(f => int.Parse(Path.GetFileName(f))).ToHashSet();
        int lowestFree = Enumerable.Range(0, int.MaxValue).First(n => !open.Contains(n));
        string hard = File.ReadAllLines($"/proc/{listener.Pid}/limits").Single(l => l.StartsWith("Max open files", StringComparison.Ordinal))
            .Split(' ', StringSplitOptions.RemoveEmptyEntries)[4];
        Prlimit(listener.Pid, $"{lowestFree}:{hard}");
        using var waiting = listener.Connect(); // the kernel completes it; it waits in the backlog
        listener.WaitForLine(@"^nssandbox: accept: Too many open files; accepting again in 1s$");
        Thread.Sleep(3000);
        // One line a second while it lasts; a listener that spun would have written thousands.
        Assert.InRange(listener.Count("accept: Too many open files"), 1, 8);
        Prlimit(listener.Pid, $"{hard}:{hard}");
        Assert.Equal("ready", Listener.ReadLine(waiting));
        holder.Send("x\n"u8.ToArray());
        Assert.Equal("bye\n", Listener.ReadToEnd(holder));
    }

    private static void Prlimit(int pid, string nofile)
    {
        using var p = System.Diagnostics.Process.Start("prlimit", ["--pid", pid.ToString(), "--nofile=" + nofile])!;
        p.WaitForExitWithin(TimeSpan.FromSeconds(30));
        Assert.Equal(0, p.ExitCode);
    }

    [Fact]
    public void TheDefaultBindhostServesIPv4AndIPv6Clients()
    {
        using var listener = Start(["-t", "60"], ["/bin/echo", "hi"], bindLoopback: false);
        Assert.Matches(@"listening on \[::\]:\d+$", listener.WaitForLine("listening on"));
        Assert.Equal("hi\n", listener.Exchange("", "127.0.0.1"));
        Assert.Equal("hi\n", listener.Exchange("", "::1"));
        listener.WaitForLine(@"peer=\[::1\]:\d+ run=\S+ end=exited");
        listener.WaitForLine(@"peer=127\.0\.0\.1:\d+ run=\S+ end=exited");
    }

    [Fact]
    public void AnNsjailListenConfigServesAsNsjailWould()
    {
        string cfg = Path.Combine(_nss.TempDir, "jail.cfg");
        File.WriteAllText(cfg, """
            mode: LISTEN
            bindhost: "127.0.0.1"
            max_conns_per_ip: 1
            time_limit: 30
            mount { src: "/" dst: "/" is_bind: true }
            exec_bin { path: "/bin/sh" arg: "-c" arg: "echo from-cfg; read x" }
            """);
        // No --bindhost from the flags: the config's own, and its limit.
        using var listener = Start(["--config", cfg, "-q"], [], bindLoopback: false);
        using var first = listener.Connect();
        Assert.Equal("from-cfg", Listener.ReadLine(first));
        using var second = listener.Connect();
        Assert.Equal("", Listener.ReadToEnd(second));
        Assert.Equal(0, listener.Count("refused")); // -q: only failures are logged
    }

    [Fact]
    public void TheLogFlagSendsTheConnectionLinesToAFile()
    {
        string log = Path.Combine(_nss.TempDir, "listen.log");
        File.WriteAllText(log, "an earlier line\n");
        using var listener = Start(["--log", log, "-t", "30"], ["/bin/echo", "hi"], logFile: log);
        Assert.Equal("hi\n", listener.Exchange(""));
        listener.WaitForLine(@"^nssandbox: peer=127\.0\.0\.1:\d+ run=\S+ end=exited status=0 ");
        Assert.StartsWith("an earlier line\nnssandbox: listening on 127.0.0.1:", File.ReadAllText(log)); // appended
        Assert.Empty(listener.StderrLines());
    }
}
