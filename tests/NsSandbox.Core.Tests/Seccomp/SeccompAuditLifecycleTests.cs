using NsSandbox.Linux;

namespace NsSandbox.Core.Tests.Seccomp;

/// <summary>The audit listener's reader thread starts only when asked (the supervisor starts it while stage 2
/// starts): disposing one that never read, or asking twice, must neither hang nor throw.</summary>
public sealed class SeccompAuditLifecycleTests
{
    private static SeccompAudit Open() => SeccompAudit.TryOpen()
        ?? throw new InvalidOperationException("unreachable: skipped above");

    private static void RequireAuditRead()
    {
        using var probe = SeccompAudit.TryOpen();
        if (probe is null) Assert.Skip("needs CAP_AUDIT_READ in the initial user namespace to join the audit log group");
    }

    [Fact]
    public void DisposingAListenerThatNeverStartedReadingReturns()
    {
        RequireAuditRead();
        var audit = Open();
        audit.Watch(Environment.ProcessId);
        audit.Settle(TimeSpan.FromMilliseconds(10)); // nothing reads: returns at once instead of waiting
        Assert.Null(audit.WaitForKill(TimeSpan.FromSeconds(5)));
        audit.Dispose();
    }

    [Fact]
    public void StartingTwiceReadsOnceAndDisposeStopsTheReader()
    {
        RequireAuditRead();
        var audit = Open();
        audit.Watch(Environment.ProcessId);
        audit.StartReading();
        audit.StartReading();
        Assert.Empty(audit.Logged());
        audit.Dispose(); // wakes the reader through the eventfd; it closes the descriptors as it ends
        audit.StartReading(); // after dispose: no thread is started on closed descriptors
    }

    [Fact]
    public void ManyListenersComeAndGoWithoutLeakingDescriptors()
    {
        RequireAuditRead();
        int before = Directory.GetFiles("/proc/self/fd").Length;
        for (int i = 0; i < 50; i++)
        {
            var audit = Open();
            audit.Watch(Environment.ProcessId);
            if (i % 2 == 0) audit.StartReading();
            audit.Dispose();
        }
        // The readers close their descriptors as they end, shortly after Dispose returns.
        for (int i = 0; i < 100 && Directory.GetFiles("/proc/self/fd").Length > before + 20; i++) Thread.Sleep(20);
        Assert.InRange(Directory.GetFiles("/proc/self/fd").Length, 0, before + 20); // 100 if they leaked; tests in parallel open a few
    }
}
