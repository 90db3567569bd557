using System.Globalization;
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
/// docs/adr/0006-seccomp-violation-report.md. (A supervisor of many sandboxes shares one listener:
/// <see cref="SeccompAuditHub"/>.)</summary>
public sealed class SeccompAudit : ISeccompRecords
{
    private readonly int _fd;
    /// <summary>Written on dispose to wake the reader at once: a poll timeout cost every launch up to 100 ms.</summary>
    private readonly int _wake;
    private Thread? _reader;
    private readonly Lock _lock = new();
    private readonly SeccompWatch _watch = new();
    private volatile bool _stopping;
    private bool _closed;

    private SeccompAudit(int fd, int wake)
    {
        _fd = fd;
        _wake = wake;
    }

    /// <summary>Starts listening (records queue in the socket from here on); null when the kernel or the
    /// launcher's privileges do not allow it.</summary>
    public static SeccompAudit? TryOpen() => SeccompAuditSocket.TryOpen(out int fd, out int wake) ? new SeccompAudit(fd, wake) : null;

    /// <summary>Keep only records of this process (its pid in the launcher's pid namespace), and LOG records of
    /// the other processes of its pid namespace when that is not the launcher's own. Call while it lives.</summary>
    public void Watch(int pid) => _watch.Watch(pid);

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
    public IReadOnlyList<SeccompRecord> Logged() => _watch.Logged();

    /// <summary>Waits until no record has arrived for <paramref name="quiet"/>: the kernel's audit thread sends
    /// records shortly after the calls, so the last ones of a run may still be on their way when it ends.</summary>
    public void Settle(TimeSpan quiet)
    {
        StartReading();
        _watch.Settle(quiet, () => _reader?.IsAlive == true);
    }

    /// <summary>The first KILL record of the watched process, waiting up to <paramref name="timeout"/> for it:
    /// the kernel's audit thread sends it shortly after the process died. The caller must not have reaped the
    /// process yet, so that its pid cannot belong to another process meanwhile.</summary>
    public SeccompRecord? WaitForKill(TimeSpan timeout)
    {
        StartReading();
        return _watch.WaitForKill(timeout, () => _reader?.IsAlive == true);
    }

    private void ReadLoop()
    {
        try
        {
            SeccompAuditSocket.Drain(_fd, _wake, () => _stopping, _watch.Offer);
        }
        finally
        {
            CloseDescriptors();
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
            if (!_closed) SeccompAuditSocket.Wake(_wake);
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
