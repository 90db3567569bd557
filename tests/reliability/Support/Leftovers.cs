using NsSandbox.EndToEnd.Tests.Linux;

namespace NsSandbox.Reliability.Tests;

/// <summary>What runs left behind among this process's own processes. The suite is the subreaper of everything
/// it starts and runs one test at a time, so at a quiet moment every live process below it, and every child that
/// it did not start itself (an orphan a launcher left, dead or alive), is a leak of the runs it made.</summary>
public static class Leftovers
{
    /// <summary>Live processes below this one, as "PID (command)".</summary>
    public static List<string> LiveProcesses() =>
        Subreaper.LiveDescendants().Select(p => $"{p} ({Subreaper.CommandName(p)})").ToList();

    /// <summary>Dead children this suite did not start: orphans reparented here that nobody has reaped.</summary>
    public static List<int> ZombieOrphans() =>
        Children().Where(p => !Nss.IsStarted(p) && State(p) == 'Z').ToList();

    /// <summary>Reaps the orphans that died: what init does for a launcher killed on a real host. Returns how many.</summary>
    public static int ReapOrphans()
    {
        int reaped = 0;
        foreach (int pid in ZombieOrphans())
            if (Posix.WaitPid(pid, out _, Posix.WNoHang) == pid) reaped++;
        return reaped;
    }

    /// <summary>Descriptors open in this process, once the pipes of processes it no longer refers to have been
    /// finalized, but the test runtime's own assemblies, which it maps as it first needs them.</summary>
    public static List<string> OwnDescriptors()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        string runtime = System.Runtime.InteropServices.RuntimeEnvironment.GetRuntimeDirectory();
        return Descriptors(Environment.ProcessId).Where(fd => !fd.Target.StartsWith(runtime, StringComparison.Ordinal))
            .Select(fd => $"{fd.Fd} -> {fd.Target}").ToList();
    }

    /// <summary>The open descriptors of a process and what each refers to ("pipe:[N]", "socket:[N]",
    /// "anon_inode:[pidfd]", a path).</summary>
    public static List<(int Fd, string Target)> Descriptors(int pid)
    {
        var fds = new List<(int, string)>();
        foreach (string fd in Directory.GetFileSystemEntries($"/proc/{pid}/fd"))
        {
            try
            {
                fds.Add((int.Parse(Path.GetFileName(fd)), new FileInfo(fd).LinkTarget ?? ""));
            }
            catch (IOException)
            {
                // closed meanwhile (the listing's own descriptor)
            }
        }
        return fds;
    }

    public static char? State(int pid)
    {
        try
        {
            string stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[stat.LastIndexOf(')') + 2];
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static List<int> Children()
    {
        var children = new List<int>();
        foreach (string task in Directory.GetDirectories("/proc/self/task"))
        {
            try
            {
                children.AddRange(File.ReadAllText(Path.Combine(task, "children"))
                    .Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse));
            }
            catch (IOException)
            {
                // the thread ended meanwhile
            }
        }
        return children;
    }
}
