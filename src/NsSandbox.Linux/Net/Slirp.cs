using System.Diagnostics;
using System.Globalization;
using System.Text;
using NsSandbox.Linux.Interop;

namespace NsSandbox.Linux.Net;

/// <summary>slirp4netns connected to a sandbox's network namespace (docs/network.md). It holds the read end of a pipe whose
/// only write end is the supervisor's: when the supervisor closes it, or dies however it dies, slirp4netns
/// exits, so it cannot outlive the run.</summary>
public sealed unsafe class Slirp : IDisposable
{
    /// <summary>slirp4netns' fixed address plan (--cidr default 10.0.2.0/24); the gateway leads to the host's
    /// 127.0.0.1 unless --disable-host-loopback.</summary>
    public const string Address = "10.0.2.100", Gateway = "10.0.2.2", TapName = "tap0";
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(20);
    private static readonly TimeSpan ExitGrace = TimeSpan.FromSeconds(5);

    private readonly Process _process;
    private readonly StringBuilder _output;
    private int _exitFd;

    private Slirp(Process process, StringBuilder output, int exitFd) => (_process, _output, _exitFd) = (process, output, exitFd);

    public int Pid => _process.Id;

    /// <summary>Starts slirp4netns against the namespaces of <paramref name="childPid"/> and waits until it has
    /// configured tap0 (address, default route) inside. Its DNS forwarder is off (the supervisor answers the
    /// sandbox's queries); its way from <see cref="Gateway"/> to the host's 127.0.0.1 stays open only with
    /// <paramref name="hostLoopback"/>.</summary>
    public static Slirp Start(string exe, string unshare, int childPid, string? apiSocket, bool hostLoopback)
    {
        var (exitRead, exitWrite) = Pipe();
        var (readyRead, readyWrite) = Pipe();
        var output = new StringBuilder();
        Process process;
        try
        {
            // Only slirp4netns may inherit its two ends; the supervisor starts no other process meanwhile.
            Inheritable(exitRead);
            Inheritable(readyWrite);
            // slirp4netns' --enable-sandbox makes only / private before it pivots and detaches the old root, so
            // the detach propagated through shared submounts and unmounted the host's /run/netns/* (ip netns).
            // unshare(1) gives it a mount namespace made recursively private first.
            var psi = new ProcessStartInfo(unshare)
            {
                UseShellExecute = false,
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            foreach (string a in new[]
                     {
                         "--mount", "--propagation", "private", "--", exe,
                         "--configure", "--mtu=65520", "--disable-dns", "--enable-sandbox", "--enable-seccomp",
                         $"--exit-fd={exitRead}", $"--ready-fd={readyWrite}", "--netns-type=path",
                         $"--userns-path=/proc/{childPid}/ns/user",
                     })
                psi.ArgumentList.Add(a);
            if (!hostLoopback) psi.ArgumentList.Add("--disable-host-loopback");
            if (apiSocket is not null) psi.ArgumentList.Add("--api-socket=" + apiSocket);
            psi.ArgumentList.Add($"/proc/{childPid}/ns/net");
            psi.ArgumentList.Add(TapName);
            process = Process.Start(psi) ?? throw new NetworkException($"cannot start {exe}");
            process.StandardInput.Close();
            DataReceivedEventHandler collect = (_, e) => { if (e.Data is { } line) lock (output) output.AppendLine(line); };
            process.OutputDataReceived += collect;
            process.ErrorDataReceived += collect;
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
        }
        catch (Exception e) when (e is not NetworkException)
        {
            Libc.Close(exitWrite);
            Libc.Close(readyRead);
            throw new NetworkException($"cannot start {exe}: {e.Message}");
        }
        finally
        {
            Libc.Close(exitRead);
            Libc.Close(readyWrite);
        }

        var slirp = new Slirp(process, output, exitWrite);
        try
        {
            slirp.WaitReady(readyRead);
        }
        catch
        {
            slirp.Dispose();
            throw;
        }
        finally
        {
            Libc.Close(readyRead);
        }
        return slirp;
    }

    /// <summary>slirp4netns writes "1" once tap0 is configured; end-of-file means it exited first.</summary>
    private void WaitReady(int readyRead)
    {
        var pfd = new PollFd { Fd = readyRead, Events = 0x1 };
        int r;
        do r = Libc.Poll(&pfd, 1, (int)ReadyTimeout.TotalMilliseconds);
        while (r < 0 && System.Runtime.InteropServices.Marshal.GetLastPInvokeError() == Errno.Interrupted);
        if (r == 0) throw new NetworkException($"slirp4netns did not configure the sandbox's network within {ReadyTimeout.TotalSeconds:0} s");
        byte b;
        if (Libc.Read(readyRead, &b, 1) == 1 && b == (byte)'1') return;
        _process.WaitForExit(ExitGrace);
        throw new NetworkException("slirp4netns failed" + (_process.HasExited ? $" (exit status {_process.ExitCode})" : "") + ": " + Said());
    }

    /// <summary>What slirp4netns printed, on one line, for error messages.</summary>
    public string Said()
    {
        lock (_output) return _output.ToString().Trim().ReplaceLineEndings("; ");
    }

    /// <summary>Closes the exit pipe, waits for slirp4netns to end (kills it if it does not) and reaps it.</summary>
    public void Dispose()
    {
        if (_exitFd >= 0)
        {
            Libc.Close(_exitFd);
            _exitFd = -1;
        }
        if (!_process.WaitForExit(ExitGrace))
        {
            _process.Kill();
            _process.WaitForExit();
        }
        _process.Dispose();
    }

    private static (int Read, int Write) Pipe()
    {
        int* fds = stackalloc int[2];
        KernelException.ThrowIfFailed(Libc.Pipe2(fds, Libc.OCloexec), "pipe2");
        return (fds[0], fds[1]);
    }

    private static void Inheritable(int fd) => KernelException.ThrowIfFailed(Libc.Fcntl(fd, Libc.FSetfd, 0), "fcntl", fd.ToString(CultureInfo.InvariantCulture));
}
