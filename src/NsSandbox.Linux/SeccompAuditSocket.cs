using System.Runtime.InteropServices;
using System.Text;
using NsSandbox.Linux.Interop;

namespace NsSandbox.Linux;

/// <summary>What a launch asks of the kernel's audit log about its sandbox (docs/adr/0006): its own
/// listener (<see cref="SeccompAudit"/>, mode once), or its share of one listener for many sandboxes
/// (<see cref="SeccompAuditHub"/>, mode listen).</summary>
public interface ISeccompRecords : IDisposable
{
    /// <summary>Keep the records of this process (and LOG records of its pid namespace); call while it lives.</summary>
    void Watch(int pid);
    /// <summary>Makes sure the records are being read (a thread may be started).</summary>
    void StartReading();
    IReadOnlyList<SeccompRecord> Logged();
    /// <summary>Waits until no record has arrived for <paramref name="quiet"/>.</summary>
    void Settle(TimeSpan quiet);
    /// <summary>The first KILL record of the watched process, waiting up to <paramref name="timeout"/>.</summary>
    SeccompRecord? WaitForKill(TimeSpan timeout);
}

/// <summary>The records one sandbox keeps: those of its process (its pid as the launcher sees it), and LOG records
/// of the other processes of its pid namespace when that is not the launcher's own.</summary>
internal sealed class SeccompWatch
{
    private readonly Lock _lock = new();
    private readonly List<SeccompRecord> _records = [];
    private volatile int _pid;
    private volatile string? _sandboxPidNs;

    public void Watch(int pid)
    {
        string? ns = PidNamespace(pid);
        _sandboxPidNs = ns is not null && ns != PidNamespace(Environment.ProcessId) ? ns : null;
        _pid = pid;
    }

    /// <summary>Keeps the record if it is this sandbox's.</summary>
    public void Offer(SeccompRecord record)
    {
        int pid = _pid;
        if (pid == 0) return;
        if (record.Pid == pid || (record.IsLog && _sandboxPidNs is { } ns && PidNamespace(record.Pid) == ns))
            lock (_lock) _records.Add(record);
    }

    public int Count
    {
        get { lock (_lock) return _records.Count; }
    }

    public IReadOnlyList<SeccompRecord> Logged()
    {
        lock (_lock) return _records.Where(r => r.IsLog).ToList();
    }

    public SeccompRecord? FirstKill()
    {
        lock (_lock) return _records.FirstOrDefault(r => r.IsKill);
    }

    /// <summary>Waits until the count of records stays the same for <paramref name="quiet"/>, or nothing reads.</summary>
    public void Settle(TimeSpan quiet, Func<bool> reading)
    {
        int seen = -1;
        while (true)
        {
            int count = Count;
            if (count == seen || !reading()) return;
            seen = count;
            Thread.Sleep(quiet);
        }
    }

    public SeccompRecord? WaitForKill(TimeSpan timeout, Func<bool> reading)
    {
        long deadline = Environment.TickCount64 + (long)timeout.TotalMilliseconds;
        while (true)
        {
            if (FirstKill() is { } found) return found;
            if (Environment.TickCount64 >= deadline || !reading()) return null;
            Thread.Sleep(10);
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
}

/// <summary>The audit multicast socket: opening it, and reading its datagrams until told to stop.</summary>
internal static unsafe class SeccompAuditSocket
{
    private const int AfNetlink = 16, SockRaw = 3, SockCloexec = 0x80000, NetlinkAudit = 9;
    private const uint AuditNlgrpReadlog = 1;
    private const ushort AuditSeccomp = 1326;
    private const short PollIn = 0x1;
    private const int EfdCloexec = 0x80000;

    /// <summary>The socket (joined to AUDIT_NLGRP_READLOG) and an eventfd that wakes its reader; false without
    /// CAP_AUDIT_READ or audit support, and outside the initial network namespace, where the kernel multicasts no
    /// audit record (a socket there would join the group and never hear a word: each SIGSYS death would wait out
    /// the record's delay for nothing).</summary>
    public static bool TryOpen(out int fd, out int wake)
    {
        wake = fd = -1;
        if (!InInitialNetworkNamespace()) return false;
        fd = Libc.Socket(AfNetlink, SockRaw | SockCloexec, NetlinkAudit);
        if (fd < 0) return false;
        var address = stackalloc uint[3];
        address[0] = AfNetlink; // nl_family (u16) and nl_pad (u16)
        address[1] = 0;         // nl_pid: the kernel assigns one
        address[2] = AuditNlgrpReadlog;
        wake = Libc.EventFd(0, EfdCloexec);
        if (Libc.Bind(fd, address, 12) == 0 && wake >= 0) return true;
        Libc.Close(fd);
        if (wake >= 0) Libc.Close(wake);
        fd = wake = -1;
        return false;
    }

    /// <summary>Whether this process is in the initial network namespace: kthreadd's (pid 2 in the initial pid
    /// namespace; kernel threads never leave the initial namespaces), else init's. True when neither can be
    /// read (a container's own pid namespace, no permission): the socket is tried.</summary>
    private static bool InInitialNetworkNamespace()
    {
        string? self = NetNamespace("self");
        if (self is null) return true;
        string? initial = ReadText("/proc/2/comm") == "kthreadd\n" ? NetNamespace("2") : null;
        initial ??= NetNamespace("1");
        return initial is null || initial == self;
    }

    private static string? NetNamespace(string pid)
    {
        try
        {
            return new FileInfo($"/proc/{pid}/ns/net").LinkTarget;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static string? ReadText(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Reads datagrams and passes each seccomp record on, until <paramref name="stopping"/> after a
    /// wake-up, or the socket fails.</summary>
    public static void Drain(int fd, int wake, Func<bool> stopping, Action<SeccompRecord> collect)
    {
        var buffer = new byte[16384];
        var pfds = stackalloc PollFd[2];
        while (!stopping())
        {
            pfds[0] = new PollFd { Fd = fd, Events = PollIn };
            pfds[1] = new PollFd { Fd = wake, Events = PollIn };
            if (Libc.Poll(pfds, 2, -1) <= 0 || (pfds[0].Revents & PollIn) == 0) continue;
            nint n;
            fixed (byte* p = buffer) n = Libc.Recv(fd, p, (nuint)buffer.Length, 0);
            if (n <= 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                if (n < 0 && errno is Errno.Interrupted or Errno.NoBufferSpace) continue; // ENOBUFS: records were dropped, go on
                return;
            }
            Parse(buffer.AsSpan(0, (int)n), collect);
        }
    }

    /// <summary>Wakes the reader of <paramref name="wake"/>.</summary>
    public static void Wake(int wake)
    {
        ulong one = 1;
        Libc.Write(wake, (byte*)&one, sizeof(ulong));
    }

    // Each datagram holds netlink messages: a 16-byte nlmsghdr (u32 length, u16 type, ...) and the text.
    private static void Parse(ReadOnlySpan<byte> data, Action<SeccompRecord> collect)
    {
        while (data.Length >= 16)
        {
            int length = (int)BitConverter.ToUInt32(data);
            ushort type = BitConverter.ToUInt16(data[4..]);
            if (length < 16 || length > data.Length) return;
            if (type == AuditSeccomp && SeccompRecord.Parse(Encoding.UTF8.GetString(data[16..length]).TrimEnd('\0')) is { } record)
                collect(record);
            data = data[Math.Min(data.Length, (length + 3) & ~3)..];
        }
    }
}
