using NsSandbox.Linux.Interop;

namespace NsSandbox.Linux;

/// <summary>One audit listener for every sandbox of a supervisor that runs many at once (mode listen): one
/// socket and one reader thread, started when it opens, hand each seccomp record to the sandboxes it may
/// belong to. A listener of its own per sandbox (<see cref="SeccompAudit"/>) would cost each open connection
/// two descriptors and, once it lasts, a thread; and every one of those sockets would receive every record of
/// the machine. Null from <see cref="TryOpen"/> without CAP_AUDIT_READ, as for <see cref="SeccompAudit"/>.</summary>
public sealed class SeccompAuditHub : IDisposable
{
    private readonly int _fd, _wake;
    private readonly Thread _reader;
    private readonly Lock _lock = new();
    private readonly List<SeccompWatch> _watches = [];
    private volatile bool _stopping;

    private SeccompAuditHub(int fd, int wake)
    {
        _fd = fd;
        _wake = wake;
        _reader = new Thread(ReadLoop) { IsBackground = true, Name = "seccomp audit" };
        _reader.Start();
    }

    public static SeccompAuditHub? TryOpen() => SeccompAuditSocket.TryOpen(out int fd, out int wake) ? new SeccompAuditHub(fd, wake) : null;

    /// <summary>A sandbox's share: the records of the process it is told to <see cref="ISeccompRecords.Watch"/>
    /// from then on (before the sandbox's first instruction can call anything: it waits for its "go").</summary>
    public ISeccompRecords Subscribe()
    {
        var subscription = new Subscription(this);
        lock (_lock) _watches.Add(subscription.Records);
        return subscription;
    }

    private bool Reading => _reader.IsAlive && !_stopping;

    private void ReadLoop()
    {
        try
        {
            SeccompAuditSocket.Drain(_fd, _wake, () => _stopping, record =>
            {
                lock (_lock)
                    foreach (var watch in _watches) watch.Offer(record);
            });
        }
        finally
        {
            Libc.Close(_fd);
            Libc.Close(_wake);
        }
    }

    /// <summary>Stops the reader, which closes the socket as it ends.</summary>
    public void Dispose()
    {
        if (_stopping) return;
        _stopping = true;
        SeccompAuditSocket.Wake(_wake);
        _reader.Join(TimeSpan.FromSeconds(5));
    }

    private sealed class Subscription(SeccompAuditHub hub) : ISeccompRecords
    {
        public SeccompWatch Records { get; } = new();

        public void Watch(int pid) => Records.Watch(pid);
        public void StartReading() { } // the hub reads all the time
        public IReadOnlyList<SeccompRecord> Logged() => Records.Logged();
        public void Settle(TimeSpan quiet) => Records.Settle(quiet, () => hub.Reading);
        public SeccompRecord? WaitForKill(TimeSpan timeout) => Records.WaitForKill(timeout, () => hub.Reading);

        public void Dispose()
        {
            lock (hub._lock) hub._watches.Remove(Records);
        }
    }
}
