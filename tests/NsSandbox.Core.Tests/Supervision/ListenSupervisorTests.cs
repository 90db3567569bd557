using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.RegularExpressions;
using NsSandbox.Core.Plan;
using NsSandbox.Core.Supervision;
using NsSandbox.Core.Supervision.Listen;
using NsSandbox.Linux;
using NsSandbox.Linux.Net;

namespace NsSandbox.Core.Tests.Supervision;

/// <summary>What the listen supervisor decides for each connection (serve, refuse, time out, notice a client gone,
/// stop) with real TCP clients on loopback and a fake stage 2: no clone, no root. The end-to-end tests
/// (ListenModeTests) prove the same with real sandboxes.</summary>
public sealed partial class ListenSupervisorTests : IDisposable
{
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(30);
    private readonly string _state = Directory.CreateTempSubdirectory("nss-listen-test-").FullName;
    private readonly StringWriter _logText = new();
    private readonly TextWriter _log;
    private readonly List<Socket> _clients = [];
    private TcpListenSocket? _socket;
    private ListenSupervisor? _supervisor;
    /// <summary>The supervisor's own thread, as the main thread is in the launcher; its result once it returned.</summary>
    private Thread? _running;
    private int? _result;

    public ListenSupervisorTests() => _log = TextWriter.Synchronized(_logText);

    public void Dispose()
    {
        _clients.ForEach(c => c.Dispose());
        if (_running is not null && _running.IsAlive)
        {
            _supervisor!.Stop();
            _running.Join(Within);
        }
        _socket?.Dispose();
        Directory.Delete(_state, recursive: true);
    }

    /// <param name="beforePlan">called with the plan's number (from 1) before each connection's plan is made, on the
    /// listener's thread: a slow set-up.</param>
    private void Start(FakeSpawner spawner, uint maxConns = 0, uint maxConnsPerIp = 0, TimeSpan? timeLimit = null, string? reportDir = null,
        Action<int>? beforePlan = null)
    {
        var spec = new SandboxSpec { Command = ["/bin/true"], StateDir = _state, Seccomp = new SeccompSpec { Disabled = true }, TimeLimit = timeLimit };
        var host = new FakeHost { EffectiveUid = 0 };
        var checkedSpec = Planner.Prepare(spec, host);
        _socket = TcpListenSocket.Open(IPAddress.Loopback, 0);
        var limits = new ListenSpec { Port = 0, BindHost = IPAddress.Loopback, MaxConns = maxConns, MaxConnsPerIp = maxConnsPerIp };
        int plans = 0;
        _supervisor = new ListenSupervisor(_socket, limits, () =>
        {
            beforePlan?.Invoke(++plans);
            return Planner.Create(checkedSpec, host, PlanOptions.Once);
        }, spawner, _log, Verbosity.Normal, reportDir);
        var supervisor = _supervisor;
        _running = new Thread(() => _result = supervisor.Run()) { IsBackground = true };
        _running.Start();
    }

    /// <summary>A client connected from <paramref name="from"/> (127.0.0.1 by default; all of 127/8 is loopback).</summary>
    private Socket Connect(string from = "127.0.0.1")
    {
        var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveTimeout = (int)Within.TotalMilliseconds };
        _clients.Add(client);
        client.Bind(new IPEndPoint(IPAddress.Parse(from), 0));
        client.Connect(_socket!.Local);
        return client;
    }

    /// <summary>Whether the listener closed the connection: a read returns end of file (or a reset), within the timeout.</summary>
    private static bool ClosedByListener(Socket client)
    {
        try
        {
            return client.Receive(new byte[16]) == 0;
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionReset)
        {
            return true;
        }
    }

    /// <summary>A reset (SO_LINGER 0): the client is gone both ways at once.</summary>
    private static void Reset(Socket client)
    {
        client.LingerState = new LingerOption(true, 0);
        client.Close();
    }

    private List<string> Lines() => _logText.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).ToList();

    private string WaitForLine(string pattern, int count = 1)
    {
        var regex = new Regex(pattern);
        var until = DateTime.UtcNow + Within;
        while (DateTime.UtcNow < until)
        {
            var matching = Lines().Where(l => regex.IsMatch(l)).ToList();
            if (matching.Count >= count) return matching[count - 1];
            Thread.Sleep(20);
        }
        throw new TimeoutException($"no line matching {pattern} (x{count}) within {Within.TotalSeconds} s; the log:\n{_logText}");
    }

    private static void WaitFor(Func<bool> condition, string what)
    {
        var until = DateTime.UtcNow + Within;
        while (!condition())
        {
            if (DateTime.UtcNow > until) throw new TimeoutException(what);
            Thread.Sleep(10);
        }
    }

    private string[] RunDirectories() => Directory.Exists(Path.Combine(_state, "runs")) ? Directory.GetFileSystemEntries(Path.Combine(_state, "runs")) : [];

    [Fact]
    public void EachConnectionGetsAFreshSandboxWithTheSocketAsItsStdioAndOneLine()
    {
        var spawner = new FakeSpawner(FakeStage2.ExecAndExit, exitCode: 3);
        Start(spawner);
        var first = Connect();
        Assert.True(ClosedByListener(first));
        var second = Connect();
        Assert.True(ClosedByListener(second));
        string a = WaitForLine(@"end=exited status=3 ", 1), b = WaitForLine(@"end=exited status=3 ", 2);
        Assert.Matches($@"^nssandbox: peer=127\.0\.0\.1:{((IPEndPoint)first.LocalEndPoint!).Port} run=\S+ end=exited status=3 wall=\d+\.\d{{3}}s mem_peak=\d", a);
        Assert.NotEqual(Regex.Match(a, @"run=(\S+)").Value, Regex.Match(b, @"run=(\S+)").Value);
        Assert.Equal(2, spawner.Processes.Count);
        Assert.True(spawner.Stdio.In >= 0);
        Assert.Equal(spawner.Stdio, StdioFds.All(spawner.Stdio.In));
        Assert.Equal(2, _supervisor!.Served);
        WaitFor(() => RunDirectories().Length == 0, "run directories left behind");
    }

    [Fact]
    public void AConnectionOverThePerAddressLimitIsLoggedAndClosedWhileOtherAddressesAreServed()
    {
        var spawner = new FakeSpawner(FakeStage2.ExecAndHang);
        Start(spawner, maxConnsPerIp: 2);
        var a = Connect();
        Connect();
        WaitFor(() => spawner.Processes.Count == 2, "two sandboxes for 127.0.0.1");
        var over = Connect();
        Assert.True(ClosedByListener(over));
        WaitForLine($@"^nssandbox: peer=127\.0\.0\.1:{((IPEndPoint)over.LocalEndPoint!).Port} refused max_conns_per_ip=2$");
        Connect("127.0.0.2");
        WaitFor(() => spawner.Processes.Count == 3, "a sandbox for 127.0.0.2");
        // A place freed by a client that left is taken by the next.
        Reset(a);
        WaitForLine("end=disconnected");
        Connect();
        WaitFor(() => spawner.Processes.Count == 4, "a sandbox for 127.0.0.1 again");
        Assert.Equal(1, _supervisor!.Refused);
    }

    [Fact]
    public void AConnectionOverTheTotalLimitIsLoggedAndClosed()
    {
        var spawner = new FakeSpawner(FakeStage2.ExecAndHang);
        Start(spawner, maxConns: 1);
        Connect();
        WaitFor(() => spawner.Processes.Count == 1, "the first sandbox");
        Assert.True(ClosedByListener(Connect("127.0.0.3")));
        WaitForLine(@"peer=127\.0\.0\.3:\d+ refused max_conns=1$");
        Assert.Single(spawner.Processes);
    }

    [Fact]
    public void TheTimeLimitEndsASandboxAndClosesItsConnection()
    {
        var spawner = new FakeSpawner(FakeStage2.ExecAndHang);
        Start(spawner, timeLimit: TimeSpan.FromMilliseconds(300));
        Assert.True(ClosedByListener(Connect()));
        string line = WaitForLine("end=timeout");
        Assert.Contains(" status=124 ", line);
        Assert.Contains("signal 9", spawner.Calls);
        double wall = double.Parse(Regex.Match(line, @"wall=([\d.]+)s").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(wall >= 0.3, line);
    }

    [Fact]
    public void AClientGoneBothWaysEndsItsSandboxAndTheListenerGoesOn()
    {
        var spawner = new FakeSpawner(FakeStage2.ExecAndHang);
        Start(spawner);
        Reset(Connect());
        string line = WaitForLine("end=disconnected");
        Assert.Contains(" status=137 signal=SIGKILL ", line);
        Assert.True(spawner.Processes[0].Exited);
        Connect();
        WaitFor(() => spawner.Processes.Count == 2, "a sandbox for the next client");
    }

    [Fact]
    public void AnExitThatWaitedBehindABusyListenerIsAnExitNotATimeout()
    {
        // The first sandbox exits at once; the second connection's set-up lasts, after that exit, longer than the
        // time limit, so the first one's exit is seen only after its time is up: it exited, it was not timed out.
        // (The wait for the exit makes the order exact however late the fake stage 2's thread runs.)
        var spawner = new FakeSpawner(FakeStage2.ExecAndExit, exitCode: 3);
        var limit = TimeSpan.FromSeconds(1);
        Start(spawner, timeLimit: limit, beforePlan: n =>
        {
            if (n != 2) return;
            WaitFor(() => spawner.Processes[0].Exited, "the first sandbox's exit");
            Thread.Sleep(limit * 1.2);
        });
        var first = Connect();
        var second = Connect();
        Assert.True(ClosedByListener(first));
        Assert.True(ClosedByListener(second));
        WaitForLine("end=", 2);
        Assert.Equal(2, Lines().Count(l => l.Contains(" end=exited status=3 ")));
        Assert.DoesNotContain(Lines(), l => l.Contains("end=timeout"));
    }

    [Fact]
    public void ABurstOfClientsDoesNotKeepTheListenerFromTheOthersEvents()
    {
        // 64 clients wait in the backlog, each set-up takes 20 ms: the first sandbox's end (it exits at once) is
        // logged after a few turns of accepting, not after the whole burst (1.3 s later). The second set-up waits
        // until the first sandbox has exited, so its end is there to be seen from then on, however late the fake
        // stage 2's thread ran: what is measured is the listener's order, not the scheduler's.
        const int Burst = 64;
        var spawner = new FakeSpawner(FakeStage2.ExecAndExit);
        int plansWhenTheFirstEnded = 0;
        Start(spawner, beforePlan: n =>
        {
            if (n == 2) WaitFor(() => spawner.Processes[0].Exited, "the first sandbox's exit");
            if (plansWhenTheFirstEnded == 0 && Lines().Any(l => l.Contains(" end=exited"))) plansWhenTheFirstEnded = n;
            Thread.Sleep(20);
        });
        var clients = Enumerable.Range(0, Burst).Select(_ => Connect()).ToList();
        Assert.All(clients, c => Assert.True(ClosedByListener(c)));
        WaitForLine("end=exited", Burst);
        Assert.InRange(plansWhenTheFirstEnded, 2, Burst - 1);
    }

    [Fact]
    public void AHalfClosedClientKeepsItsSandbox()
    {
        var spawner = new FakeSpawner(FakeStage2.ExecAndHang);
        Start(spawner, timeLimit: TimeSpan.FromSeconds(1));
        var client = Connect();
        WaitFor(() => spawner.Processes.Count == 1, "the sandbox");
        client.Shutdown(SocketShutdown.Send); // the command reads end of file and may still answer
        // Only the time limit ends it: the client could still read an answer until then.
        Assert.Contains("end=timeout", WaitForLine("end="));
    }

    [Fact]
    public void ASandboxThatCannotBeSetUpIsOneLineAndTheListenerGoesOn()
    {
        var spawner = new FakeSpawner(FakeStage2.Hang) { MapsFailure = new IOException("uid_map: Operation not permitted") };
        Start(spawner);
        Assert.True(ClosedByListener(Connect()));
        Assert.True(ClosedByListener(Connect()));
        string line = WaitForLine("end=setup-error", 2);
        Assert.EndsWith(@" status=126 wall=" + Regex.Match(line, @"wall=(\S+)").Groups[1].Value + " mem_peak=0KiB error=\"uid_map: Operation not permitted\"", line);
        Assert.All(spawner.Processes, p => Assert.True(p.Exited));
        Assert.True(_running!.IsAlive);
        WaitFor(() => RunDirectories().Length == 0, "run directories left behind");
    }

    [Fact]
    public void AStage2FailureIsReportedWithItsStep()
    {
        Start(new FakeSpawner(FakeStage2.FailSetup));
        Assert.True(ClosedByListener(Connect()));
        Assert.Matches(@"end=setup-error status=126 .* error=""", WaitForLine("end=setup-error"));
    }

    [Fact]
    public void StopForwardsTheSignalKillsWhatRemainsCleansUpAndReturnsZero()
    {
        var spawner = new FakeSpawner(FakeStage2.ExecAndHang);
        Start(spawner);
        Connect();
        Connect("127.0.0.2");
        WaitFor(() => spawner.Processes.Count == 2, "two sandboxes");
        var listening = _socket!.Local;
        _supervisor!.Stop();
        Assert.True(_running!.Join(Within), "the listener did not stop");
        Assert.Equal(0, _result);
        Assert.Contains("signal 15", spawner.Calls);
        Assert.All(spawner.Processes, p => Assert.True(p.Exited));
        Assert.Equal(2, Lines().Count(l => l.Contains("forwarded=SIGTERM") && l.Contains("status=137")));
        Assert.Contains("nssandbox: SIGTERM: stopped listening; ending 2 sandboxes", Lines());
        Assert.Empty(RunDirectories());
        using var late = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        Assert.Throws<SocketException>(() => late.Connect(listening));
    }

    [Fact]
    public void EachConnectionsReportGoesToTheDirectoryUnderItsRunId()
    {
        string reports = Directory.CreateTempSubdirectory("nss-listen-reports-").FullName;
        try
        {
            Start(new FakeSpawner(FakeStage2.ExecAndExit), reportDir: reports);
            var client = Connect();
            Assert.True(ClosedByListener(client));
            string runId = Regex.Match(WaitForLine("end=exited"), @"run=(\S+)").Groups[1].Value;
            using var report = JsonDocument.Parse(File.ReadAllText(Path.Combine(reports, runId + ".json")));
            var connection = report.RootElement.GetProperty("connection");
            Assert.Equal(client.LocalEndPoint!.ToString(), connection.GetProperty("peer").GetString());
            Assert.Equal(_socket!.Local.ToString(), connection.GetProperty("local").GetString());
            Assert.Equal("exited", report.RootElement.GetProperty("reason").GetString());
        }
        finally
        {
            Directory.Delete(reports, recursive: true);
        }
    }

    [Fact]
    public void CountsArePerAddressWhateverThePort()
    {
        var counts = new ConnectionCounts(maxConns: 3, maxConnsPerIp: 2);
        var one = IPAddress.Parse("10.0.0.1");
        counts.Add(one);
        counts.Add(one);
        Assert.Equal("max_conns_per_ip=2", counts.RefusalFor(one));
        Assert.Null(counts.RefusalFor(IPAddress.Parse("10.0.0.2")));
        counts.Add(IPAddress.Parse("10.0.0.2"));
        Assert.Equal("max_conns=3", counts.RefusalFor(IPAddress.Parse("10.0.0.9")));
        counts.Remove(one);
        Assert.Null(counts.RefusalFor(one));
        Assert.Equal(1u, counts.From(one));
    }
}
