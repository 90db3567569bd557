using System.Globalization;

namespace NsSandbox.EndToEnd.Tests;

/// <summary>A user that is not root for the launcher to run as (docs/rootless.md): the first uid from 47000 up
/// that /etc/passwd does not name, with the same gid, no supplementary groups and so no capabilities (setpriv
/// changes the ids of root to ones that are all non-zero, which clears them).</summary>
public static class Unprivileged
{
    public static uint Uid { get; } = FindUnused();

    /// <summary>The command prefix that runs what follows as <see cref="Uid"/>.</summary>
    public static IReadOnlyList<string> Setpriv { get; } =
        ["setpriv", "--reuid", Uid.ToString(CultureInfo.InvariantCulture), "--regid", Uid.ToString(CultureInfo.InvariantCulture), "--clear-groups", "--"];

    /// <summary>Skips unless the launcher can run as a user here: root to change ids, setpriv, and a kernel that
    /// lets that user make namespaces (kernel.unprivileged_userns_clone, user.max_user_namespaces, AppArmor's
    /// kernel.apparmor_restrict_unprivileged_userns).</summary>
    public static void Require()
    {
        Tests.Require.Root();
        Tests.Require.FileExists("/usr/bin/setpriv");
        foreach (var (sysctl, blocks) in new[] { ("kernel/unprivileged_userns_clone", "0"), ("user/max_user_namespaces", "0"), ("kernel/apparmor_restrict_unprivileged_userns", "1") })
            if (File.Exists("/proc/sys/" + sysctl) && File.ReadAllText("/proc/sys/" + sysctl).Trim() == blocks)
                Assert.Skip($"this host keeps users out of user namespaces ({sysctl.Replace('/', '.')} = {blocks}; docs/rootless.md)");
    }

    /// <summary>Makes the directories the user's (a test's state and temp directories, a chroot made for it).</summary>
    public static void GiveTo(params string[] paths)
    {
        foreach (string path in paths)
        {
            using var chown = System.Diagnostics.Process.Start("chown", ["-R", $"{Uid}:{Uid}", path])!;
            chown.WaitForExitWithin(TimeSpan.FromSeconds(30));
            Assert.Equal(0, chown.ExitCode);
        }
    }

    private static uint FindUnused()
    {
        var taken = File.ReadAllLines("/etc/passwd").Select(l => l.Split(':')).Where(f => f.Length > 3)
            .Select(f => uint.TryParse(f[2], out uint u) ? u : 0).ToHashSet();
        uint uid = 47000;
        while (taken.Contains(uid)) uid++;
        return uid;
    }
}
