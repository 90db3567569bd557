using System.Runtime.InteropServices;

namespace NsSandbox.EndToEnd.Tests.Linux;

/// <summary>Makes the test process the subreaper of everything it starts, so a launcher process that leaks
/// (its parent died) is reparented to us and can be told apart from other suites running on the machine:
/// the leak checks look at our own children and descendants only, never at every process of the machine.</summary>
public static partial class Subreaper
{
    private const int PrSetChildSubreaper = 36;

    [LibraryImport("libc", EntryPoint = "prctl", SetLastError = true)]
    private static partial int Prctl(int option, nuint arg2, nuint arg3, nuint arg4, nuint arg5);

    public static void Become()
    {
        if (Prctl(PrSetChildSubreaper, 1, 0, 0, 0) != 0)
            throw new IOException($"prctl(PR_SET_CHILD_SUBREAPER): errno {Marshal.GetLastPInvokeError()}");
    }

    /// <summary>The live (not zombie) processes below this test process: its children, theirs, and so on.
    /// The orphans of a dead launcher are among them, as they are reparented to us.</summary>
    public static List<int> LiveDescendants()
    {
        var found = new List<int>();
        var pending = new Queue<int>(ChildrenOf(Environment.ProcessId));
        var seen = new HashSet<int>();
        while (pending.Count > 0 && seen.Count < 100_000)
        {
            int pid = pending.Dequeue();
            if (!seen.Add(pid)) continue;
            if (IsLive(pid)) found.Add(pid);
            foreach (int child in ChildrenOf(pid)) pending.Enqueue(child);
        }
        return found;
    }

    /// <summary>Whether <paramref name="pid"/> is running (not gone, not a zombie).</summary>
    public static bool IsLive(int pid) => Stat(pid) is { } s && s.State != 'Z';

    /// <summary>The command name of <paramref name="pid"/>; null once it is gone.</summary>
    public static string? CommandName(int pid) => Stat(pid)?.Comm;

    /// <summary>Whether <paramref name="pid"/> lives in another pid namespace than ours: it is a sandbox's.</summary>
    public static bool InOtherPidNamespace(int pid)
    {
        try
        {
            return new FileInfo($"/proc/{pid}/ns/pid").LinkTarget != new FileInfo("/proc/self/ns/pid").LinkTarget;
        }
        catch (IOException)
        {
            return false;
        }
    }

    /// <summary>Whether the environment <paramref name="pid"/> started with holds <paramref name="entry"/>
    /// (NAME=VALUE) exactly; false once it is gone.</summary>
    public static bool HasEnvironmentEntry(int pid, string entry)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/environ").Split('\0').Contains(entry);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>The children of every thread of <paramref name="pid"/>; none once it is gone.</summary>
    private static List<int> ChildrenOf(int pid)
    {
        var children = new List<int>();
        string[] tasks;
        try { tasks = Directory.GetDirectories($"/proc/{pid}/task"); }
        catch (IOException) { return children; }
        foreach (string task in tasks)
        {
            string list;
            try { list = File.ReadAllText(Path.Combine(task, "children")); }
            catch (IOException) { continue; }
            children.AddRange(list.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse));
        }
        return children;
    }

    /// <summary>The command name and state of <paramref name="pid"/> from /proc/PID/stat; null once it is gone.</summary>
    private static (string Comm, char State)? Stat(int pid)
    {
        string stat;
        try { stat = File.ReadAllText($"/proc/{pid}/stat"); }
        catch (IOException) { return null; }
        int open = stat.IndexOf('('), close = stat.LastIndexOf(')');
        return (stat[(open + 1)..close], stat[close + 2]);
    }
}
