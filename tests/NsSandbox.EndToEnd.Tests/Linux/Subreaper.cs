using System.Runtime.InteropServices;

namespace NsSandbox.EndToEnd.Tests.Linux;

/// <summary>Makes the test process the subreaper of everything it starts, so a launcher process that leaks
/// (its parent died) is reparented to us and can be told apart from other suites running on the machine.</summary>
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

    /// <summary>Our live (not zombie) children whose command name is <paramref name="comm"/>.</summary>
    public static IEnumerable<int> LiveChildren(string comm)
    {
        int self = Environment.ProcessId;
        foreach (string task in Directory.GetDirectories($"/proc/{self}/task"))
        {
            string children;
            try { children = File.ReadAllText(Path.Combine(task, "children")); }
            catch (IOException) { continue; }
            foreach (string p in children.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                string stat;
                try { stat = File.ReadAllText($"/proc/{p}/stat"); }
                catch (IOException) { continue; }
                int open = stat.IndexOf('('), close = stat.LastIndexOf(')');
                string name = stat[(open + 1)..close];
                char state = stat[close + 2];
                if (name == comm && state != 'Z') yield return int.Parse(p);
            }
        }
    }

    /// <summary>Whether <paramref name="pid"/> is running (not gone, not a zombie).</summary>
    public static bool IsLive(int pid)
    {
        string stat;
        try { stat = File.ReadAllText($"/proc/{pid}/stat"); }
        catch (IOException) { return false; }
        return stat[stat.LastIndexOf(')') + 2] != 'Z';
    }

    /// <summary>Whether <paramref name="pid"/> descends from this test process (orphans are reparented to us).</summary>
    public static bool IsOurs(int pid)
    {
        for (int p = pid, hops = 0; p > 1 && hops < 64; hops++)
        {
            if (p == Environment.ProcessId) return true;
            string stat;
            try { stat = File.ReadAllText($"/proc/{p}/stat"); }
            catch (IOException) { return false; }
            p = int.Parse(stat[(stat.LastIndexOf(')') + 4)..].Split(' ')[0]);
        }
        return false;
    }
}
