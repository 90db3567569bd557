using System.Diagnostics;
using NsSandbox.Linux;

namespace NsSandbox.Core.Tests.Seccomp;

/// <summary>Mode listen's one audit listener for all its sandboxes: each subscription gets the KILL record of the
/// process it watches and no other's. The processes are the published launcher in mode execve (it becomes the
/// sandbox, keeping its pid) with a policy that kills uname.</summary>
public sealed class SeccompAuditHubTests
{
    private static string Binary()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "NsSandbox.sln")))
            {
                string binary = Environment.GetEnvironmentVariable("NSSANDBOX_BIN") is { Length: > 0 } b ? b : Path.Combine(dir.FullName, "artifacts/bin/nssandbox");
                if (!File.Exists(binary)) Assert.Skip($"needs the published launcher ({binary}): run ./build.sh");
                return binary;
            }
        throw new DirectoryNotFoundException("no NsSandbox.sln above the test binaries");
    }

    private static Process StartKilledOnUname(string binary)
    {
        var psi = new ProcessStartInfo(binary) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in new[] { "-Me", "--disable_proc", "--seccomp_string", "POLICY p { KILL_PROCESS { uname } } USE p DEFAULT ALLOW",
                     "--", "/bin/sh", "-c", "read x; exec uname" })
            psi.ArgumentList.Add(a);
        return Process.Start(psi)!;
    }

    [Fact]
    public void EachSubscriptionGetsTheKillOfTheProcessItWatches()
    {
        using var hub = SeccompAuditHub.TryOpen();
        if (hub is null) Assert.Skip("needs CAP_AUDIT_READ in the initial user and network namespaces to join the audit log group");
        string binary = Binary();
        var processes = Enumerable.Range(0, 3).Select(_ => StartKilledOnUname(binary)).ToList();
        var bystander = hub.Subscribe();
        bystander.Watch(Environment.ProcessId);
        try
        {
            var watches = processes.Select(p =>
            {
                var watch = hub.Subscribe();
                watch.Watch(p.Id);
                return watch;
            }).ToList();
            foreach (var p in processes) p.StandardInput.WriteLine("go");
            foreach (var p in processes)
            {
                Assert.True(p.WaitForExit(TimeSpan.FromSeconds(30)), "the sandboxed process did not end");
                Assert.Equal(128 + 31, p.ExitCode); // .NET reports a signal death as 128+N: SIGSYS
            }
            for (int i = 0; i < processes.Count; i++)
            {
                var record = watches[i].WaitForKill(TimeSpan.FromSeconds(10));
                Assert.NotNull(record);
                Assert.Equal(processes[i].Id, record.Pid);
                Assert.Equal(63, record.Syscall); // uname on x86_64
                watches[i].Dispose();
            }
            Assert.Null(bystander.WaitForKill(TimeSpan.Zero));
        }
        finally
        {
            bystander.Dispose();
            processes.ForEach(p =>
            {
                if (!p.HasExited) p.Kill();
                p.Dispose();
            });
        }
    }
}
