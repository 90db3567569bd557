using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;

namespace NsSandbox.EndToEnd.Tests.Listen;

/// <summary>A real `nssandbox -Ml` started by a test in its own network namespace (<see cref="PrivateNetwork"/>)
/// on a port the kernel chose (its "listening on" line says which), in the test's own state directory; its
/// stderr is collected line by line, and clients connect from inside that namespace. Dispose kills it if it still
/// runs. Every wait here has a timeout.</summary>
public sealed partial class Listener : IDisposable
{
    public static readonly TimeSpan Within = TimeSpan.FromSeconds(60);

    private readonly List<string> _lines = [];
    private readonly ManualResetEventSlim _stderrClosed = new();

    public Process Process { get; }
    public IPEndPoint Endpoint { get; }
    public int Pid => Process.Id;

    private readonly string _netns;

    private Listener(Process process, string netns, string? logFile)
    {
        Process = process;
        _netns = netns;
        _logFile = logFile;
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null) _stderrClosed.Set();
            else lock (_lines) _lines.Add(e.Data);
        };
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        var match = Regex.Match(WaitForLine(@"listening on "), @"listening on (\S+)$");
        Endpoint = IPEndPoint.Parse(match.Groups[1].Value);
        if (Endpoint.Address.Equals(IPAddress.IPv6Any)) Endpoint = new IPEndPoint(IPAddress.Loopback, Endpoint.Port);
        if (Endpoint.Address.Equals(IPAddress.Any)) Endpoint = new IPEndPoint(IPAddress.Loopback, Endpoint.Port);
    }

    /// <summary>nssandbox -Ml on 127.0.0.1 and a free port with <paramref name="flags"/> (in the launcher's state
    /// directory), then COMMAND; <paramref name="shellPrefix"/> runs before it in a shell (ulimit, say).</summary>
    public static Listener Start(PrivateNetwork network, Launcher nss, IEnumerable<string> flags, string[] command, string? shellPrefix = null,
        bool bindLoopback = true, string? logFile = null)
    {
        var args = new List<string> { "-Ml", "--port", "0", "--state_dir", nss.StateDir };
        if (bindLoopback) args.AddRange(["--bindhost", "127.0.0.1"]);
        args.AddRange(flags);
        args.Add("--");
        args.AddRange(command);
        // nsenter and bash exec what follows: the process started is the listener itself in the end.
        var psi = new ProcessStartInfo(network.Wrapper[0]);
        foreach (string w in network.Wrapper.Skip(1)) psi.ArgumentList.Add(w);
        if (shellPrefix is not null)
        {
            psi.ArgumentList.Add("/bin/bash");
            psi.ArgumentList.Add("-c");
            psi.ArgumentList.Add(shellPrefix + "; exec \"$0\" \"$@\"");
        }
        psi.ArgumentList.Add(Launcher.BinaryPath);
        foreach (string a in args) psi.ArgumentList.Add(a);
        psi.UseShellExecute = false;
        psi.RedirectStandardError = psi.RedirectStandardOutput = true;
        var process = Process.Start(psi)!;
        try
        {
            return new Listener(process, network.Name, logFile);
        }
        catch
        {
            process.Kill();
            process.WaitForExit(Within);
            throw;
        }
    }

    /// <summary>Where the launcher's messages go with --log: its lines are read from there too.</summary>
    private string? _logFile;

    public List<string> Lines()
    {
        List<string> lines;
        lock (_lines) lines = _lines.ToList();
        if (_logFile is not null && File.Exists(_logFile)) lines.AddRange(File.ReadAllLines(_logFile));
        return lines;
    }

    /// <summary>The lines written to stderr only (not to a --log file).</summary>
    public List<string> StderrLines()
    {
        lock (_lines) return _lines.ToList();
    }

    public string Log => string.Join("\n", Lines());

    /// <summary>The <paramref name="count"/>th line matching <paramref name="pattern"/>, waiting for it.</summary>
    public string WaitForLine(string pattern, int count = 1, TimeSpan? timeout = null)
    {
        var regex = new Regex(pattern);
        var until = DateTime.UtcNow + (timeout ?? Within);
        while (true)
        {
            var matching = Lines().Where(l => regex.IsMatch(l)).ToList();
            if (matching.Count >= count) return matching[count - 1];
            if (Process.HasExited && _stderrClosed.IsSet)
                throw new InvalidOperationException($"the listener exited ({Process.ExitCode}) before a line matching {pattern}:\n{Log}");
            if (DateTime.UtcNow > until)
                throw new TimeoutException($"no line matching {pattern} (x{count}) within {(timeout ?? Within).TotalSeconds} s:\n{Log}");
            Thread.Sleep(20);
        }
    }

    public int Count(string pattern) => Lines().Count(l => Regex.IsMatch(l, pattern));

    /// <summary>Sends a signal (TERM, INT, ...) with kill(1).</summary>
    public void Signal(string signal)
    {
        using var kill = Process.Start("kill", ["-" + signal, Pid.ToString()])!;
        kill.WaitForExitWithin(TimeSpan.FromSeconds(30));
    }

    /// <summary>Waits for the listener to exit and returns its status.</summary>
    public int WaitForExit()
    {
        Process.WaitForExitWithin(Within);
        _stderrClosed.Wait(Within);
        return Process.ExitCode;
    }

    /// <summary>The listener's open descriptors (from /proc).</summary>
    public int OpenDescriptors() => Directory.GetFileSystemEntries($"/proc/{Pid}/fd").Length;

    /// <summary>The listener's child processes, over all its threads.</summary>
    public List<int> Children() => Directory.GetDirectories($"/proc/{Pid}/task")
        .SelectMany(t => File.ReadAllText(Path.Combine(t, "children")).Split(' ', StringSplitOptions.RemoveEmptyEntries))
        .Select(int.Parse).ToList();

    /// <summary>Stops the listener as a service manager would (SIGTERM: it ends its sandboxes and cleans up), and
    /// kills it if it has not ended in time.</summary>
    public void Dispose()
    {
        if (!Process.HasExited)
        {
            Signal("TERM");
            if (!Process.WaitForExit(Within)) Process.Kill();
            Process.WaitForExit(Within);
        }
        Process.Dispose();
    }

    /// <summary>A client connection from <paramref name="from"/> (any of 127/8 reaches the listener on loopback).</summary>
    public Socket Connect(string from = "127.0.0.1")
    {
        var address = IPAddress.Parse(from);
        // Made in the listener's network namespace, which the socket keeps.
        var client = Linux.NetNs.In(_netns, () => new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp));
        client.ReceiveTimeout = client.SendTimeout = (int)Within.TotalMilliseconds;
        try
        {
            client.Bind(new IPEndPoint(address, 0));
            var to = address.AddressFamily == AddressFamily.InterNetworkV6 ? new IPEndPoint(IPAddress.IPv6Loopback, Endpoint.Port) : Endpoint;
            // Bounded too: a full backlog drops the SYN, and connect would retry for minutes.
            using var timeout = new CancellationTokenSource(Within);
            client.ConnectAsync(to, timeout.Token).AsTask().GetAwaiter().GetResult();
            return client;
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    /// <summary>Connects, sends <paramref name="input"/>, closes its sending side, and reads to end of file.</summary>
    public string Exchange(string input, string from = "127.0.0.1")
    {
        using var client = Connect(from);
        if (input.Length > 0) client.Send(Encoding.UTF8.GetBytes(input));
        client.Shutdown(SocketShutdown.Send);
        return ReadToEnd(client);
    }

    public static string ReadToEnd(Socket client)
    {
        var text = new StringBuilder();
        var buffer = new byte[4096];
        while (true)
        {
            int n;
            try
            {
                n = client.Receive(buffer);
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionReset)
            {
                break;
            }
            if (n == 0) break;
            text.Append(Encoding.UTF8.GetString(buffer, 0, n));
        }
        return text.ToString();
    }

    /// <summary>Reads up to and including the next newline.</summary>
    public static string ReadLine(Socket client)
    {
        var line = new StringBuilder();
        var one = new byte[1];
        while (client.Receive(one) == 1)
        {
            if (one[0] == '\n') return line.ToString();
            line.Append((char)one[0]);
        }
        return line.ToString();
    }

    /// <summary>A reset (SO_LINGER 0): the client is gone both ways at once.</summary>
    public static void Reset(Socket client)
    {
        client.LingerState = new LingerOption(true, 0);
        client.Close();
    }
}
