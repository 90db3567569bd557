using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using NsSandbox.Linux.Interop;

namespace NsSandbox.Linux;

/// <summary>One seccomp record of the kernel's audit log (type 1326, AUDIT_SECCOMP): which process (pid as
/// the host sees it) called which syscall and what the filter returned.</summary>
public sealed record SeccompRecord(int Pid, uint Arch, int Syscall, uint Code)
{
    private const uint ActionMask = 0xffff0000;

    /// <summary>SECCOMP_RET_KILL_THREAD or SECCOMP_RET_KILL_PROCESS.</summary>
    public bool IsKill => (Code & ActionMask) is 0 or 0x80000000;

    /// <summary>SECCOMP_RET_LOG: the call ran and was logged (--seccomp_log turns kills into this).</summary>
    public bool IsLog => (Code & ActionMask) == 0x7ffc0000;

    /// <summary>Parses the record's text, "audit(...): auid=... pid=N comm=... sig=31 arch=c000003e syscall=101 ...
    /// code=0x80000000". Untrusted strings (comm, exe) are quoted or hex-encoded and never contain a space, so
    /// splitting on spaces is safe; the first occurrence of a key wins.</summary>
    public static SeccompRecord? Parse(string text)
    {
        var fields = new Dictionary<string, string>();
        foreach (string token in text.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            int eq = token.IndexOf('=');
            if (eq > 0) fields.TryAdd(token[..eq], token[(eq + 1)..]);
        }
        if (!fields.TryGetValue("pid", out var pid) || !int.TryParse(pid, CultureInfo.InvariantCulture, out int p)) return null;
        if (!fields.TryGetValue("syscall", out var nr) || !int.TryParse(nr, CultureInfo.InvariantCulture, out int n)) return null;
        uint arch = fields.TryGetValue("arch", out var a) && uint.TryParse(a, NumberStyles.HexNumber, CultureInfo.InvariantCulture, out uint av) ? av : 0;
        uint code = fields.TryGetValue("code", out var c) && c.StartsWith("0x", StringComparison.Ordinal)
            && uint.TryParse(c.AsSpan(2), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out uint cv) ? cv : 0;
        return new SeccompRecord(p, arch, n, code);
    }
}

/// <summary>Listens to the kernel's audit multicast group (AUDIT_NLGRP_READLOG) for the seccomp records of
/// one process. The kernel logs every seccomp KILL (kernel.seccomp.actions_logged) whether or not auditd
/// runs; the multicast copy, unlike the printk copy in /dev/kmsg, is not rate limited. Needs
/// CAP_AUDIT_READ in the initial user namespace: <see cref="TryOpen"/> returns null without it. A thread
/// drains the socket during a run that lasts, so unrelated records from other processes cannot fill its buffer
/// and crowd out this run's record; it is started by <see cref="StartReading"/> when the run turns out not to be
/// short, or when the records are asked for, while the kernel already queues every record since <see cref="TryOpen"/>. See
/// docs/adr/0006-seccomp-violation-report.md.</summary>
public sealed unsafe class SeccompAudit : IDisposable
{
    private const int AfNetlink = 16, SockRaw = 3, SockCloexec = 0x80000, NetlinkAudit = 9;
    private const uint AuditNlgrpReadlog = 1;
    private const ushort AuditSeccomp = 1326;
    private const short PollIn = 0x1;
    private const int EfdCloexec = 0x80000;

    private readonly int _fd;
    /// <summary>Written on dispose to wake the reader at once: a poll timeout cost every launch up to 100 ms.</summary>
    private readonly int _wake;
    private Thread? _reader;
    private readonly Lock _lock = new();
    private readonly List<SeccompRecord> _records = [];
    private volatile int _pid;
    private volatile string? _sandboxPidNs;
    private volatile bool _stopping;
    private bool _closed;

    private SeccompAudit(int fd, int wake)
    {
        _fd = fd;
        _wake = wake;
    }

    /// <summary>Starts listening (records queue in the socket from here on); null when the kernel or the
    /// launcher's privileges do not allow it.</summary>
    public static SeccompAudit? TryOpen()
    {
        int fd = Libc.Socket(AfNetlink, SockRaw | SockCloexec, NetlinkAudit);
        if (fd < 0) return null;
        var address = stackalloc uint[3];
        address[0] = AfNetlink; // nl_family (u16) and nl_pad (u16)
        address[1] = 0;         // nl_pid: the kernel assigns one
        address[2] = AuditNlgrpReadlog;
        int wake = Libc.EventFd(0, EfdCloexec);
        if (Libc.Bind(fd, address, 12) != 0 || wake < 0)
        {
            Libc.Close(fd);
            if (wake >= 0) Libc.Close(wake);
            return null;
        }
        return new SeccompAudit(fd, wake);
    }

    /// <summary>Keep only records of this process (its pid in the launcher's pid namespace), and LOG records of
    /// the other processes of its pid namespace when that is not the launcher's own. Call while it lives.</summary>
    public void Watch(int pid)
    {
        string? ns = PidNamespace(pid);
        _sandboxPidNs = ns is not null && ns != PidNamespace(Environment.ProcessId) ? ns : null;
        _pid = pid;
    }

    /// <summary>Starts the thread that reads the queued and coming records (once; after <see cref="Watch"/>, so
    /// none is read before it is known whose records count). Starting a thread costs the launch ~1 ms, so the
    /// supervisor does it only for a run that lasts; <see cref="WaitForKill"/> and <see cref="Settle"/> do it
    /// themselves.</summary>
    public void StartReading()
    {
        Thread reader;
        lock (_lock)
        {
            if (_reader is not null || _stopping) return;
            _reader = reader = new Thread(ReadLoop) { IsBackground = true, Name = "seccomp audit" };
        }
        reader.Start();
    }

    /// <summary>The LOG records collected so far, in the order the kernel sent them.</summary>
    public IReadOnlyList<SeccompRecord> Logged()
    {
        lock (_lock) return _records.Where(r => r.IsLog).ToList();
    }

    /// <summary>Waits until no record has arrived for <paramref name="quiet"/>: the kernel's audit thread sends
    /// records shortly after the calls, so the last ones of a run may still be on their way when it ends.</summary>
    public void Settle(TimeSpan quiet)
    {
        StartReading();
        int seen = -1;
        while (true)
        {
            int count;
            lock (_lock) count = _records.Count;
            if (count == seen || _reader?.IsAlive != true) return;
            seen = count;
            Thread.Sleep(quiet);
        }
    }

    // "pid:[4026531836]", or null once the process is gone (reaped).
    private static string? PidNamespace(int pid)
    {
        try
        {
            return new FileInfo($"/proc/{pid}/ns/pid").LinkTarget;
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>The first KILL record of the watched process, waiting up to <paramref name="timeout"/> for it:
    /// the kernel's audit thread sends it shortly after the process died. The caller must not have reaped the
    /// process yet, so that its pid cannot belong to another process meanwhile.</summary>
    public SeccompRecord? WaitForKill(TimeSpan timeout)
    {
        StartReading();
        long deadline = Environment.TickCount64 + (long)timeout.TotalMilliseconds;
        while (true)
        {
            lock (_lock)
            {
                var found = _records.FirstOrDefault(r => r.IsKill);
                if (found is not null) return found;
            }
            if (Environment.TickCount64 >= deadline || _reader?.IsAlive != true) return null;
            Thread.Sleep(10);
        }
    }

    private void ReadLoop()
    {
        try
        {
            Drain();
        }
        finally
        {
            CloseDescriptors();
        }
    }

    private void Drain()
    {
        var buffer = new byte[16384];
        var pfds = stackalloc PollFd[2];
        while (!_stopping)
        {
            pfds[0] = new PollFd { Fd = _fd, Events = PollIn };
            pfds[1] = new PollFd { Fd = _wake, Events = PollIn };
            if (Libc.Poll(pfds, 2, -1) <= 0 || (pfds[0].Revents & PollIn) == 0) continue;
            nint n;
            fixed (byte* p = buffer) n = Libc.Recv(_fd, p, (nuint)buffer.Length, 0);
            if (n <= 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                if (n < 0 && errno is Errno.Interrupted or Errno.NoBufferSpace) continue; // ENOBUFS: records were dropped, go on
                return;
            }
            Collect(buffer.AsSpan(0, (int)n));
        }
    }

    // Each datagram holds netlink messages: a 16-byte nlmsghdr (u32 length, u16 type, ...) and the text.
    private void Collect(ReadOnlySpan<byte> data)
    {
        while (data.Length >= 16)
        {
            int length = (int)BitConverter.ToUInt32(data);
            ushort type = BitConverter.ToUInt16(data[4..]);
            if (length < 16 || length > data.Length) return;
            int pid = _pid;
            if (type == AuditSeccomp && pid != 0
                && SeccompRecord.Parse(Encoding.UTF8.GetString(data[16..length]).TrimEnd('\0')) is { } record
                && (record.Pid == pid || (record.IsLog && _sandboxPidNs is { } ns && PidNamespace(record.Pid) == ns)))
            {
                lock (_lock) _records.Add(record);
            }
            data = data[Math.Min(data.Length, (length + 3) & ~3)..];
        }
    }

    /// <summary>Stops listening. A reader thread is woken and closes the descriptors itself as it ends: waiting
    /// for it cost the launch ~0.2 ms at its very end.</summary>
    public void Dispose()
    {
        lock (_lock)
        {
            if (_stopping) return;
            _stopping = true;
            if (_reader is null)
            {
                CloseDescriptors();
                return;
            }
            // Under the lock, so the reader cannot have closed (and the number been reused) in between.
            ulong one = 1;
            if (!_closed) Libc.Write(_wake, (byte*)&one, sizeof(ulong));
        }
    }

    private void CloseDescriptors()
    {
        lock (_lock)
        {
            if (_closed) return;
            _closed = true;
            Libc.Close(_fd);
            Libc.Close(_wake);
        }
    }
}
