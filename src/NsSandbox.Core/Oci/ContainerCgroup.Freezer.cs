using NsSandbox.Linux.Cgroups;

namespace NsSandbox.Core.Oci;

/// <summary>Pause and resume (runc's): the cgroup freezer. On v1 the container has a directory in the freezer
/// hierarchy and its freezer.state goes THAWED -> FREEZING -> FROZEN; on v2 cgroup.freeze is written and
/// cgroup.events says "frozen 1" once every process has stopped.</summary>
public sealed partial record ContainerCgroup
{
    private static readonly TimeSpan FreezeTimeout = TimeSpan.FromSeconds(10);

    /// <summary>Whether the container's own freezer setting is on (pause), whatever an ancestor's says.</summary>
    public bool IsPaused => Version == 2
        ? CgroupFs.TryRead(Path.Combine(Dirs[""], "cgroup.freeze"))?.Trim() == "1"
        : Dirs.TryGetValue("freezer", out string? dir) && CgroupFs.TryRead(Path.Combine(dir, "freezer.self_freezing"))?.Trim() == "1";

    /// <summary>Stops every process of the container and returns once all are stopped; on failure the
    /// container is left thawed, never half frozen.</summary>
    public void Freeze()
    {
        var deadline = DateTime.UtcNow + FreezeTimeout;
        if (Version == 2)
        {
            string dir = Dirs[""];
            CgroupFs.Write(Path.Combine(dir, "cgroup.freeze"), "1");
            while (!Frozen(dir))
            {
                if (DateTime.UtcNow > deadline)
                {
                    CgroupFs.TryWrite(Path.Combine(dir, "cgroup.freeze"), "0");
                    throw new OciException($"pause: the container's processes did not all stop within {FreezeTimeout.TotalSeconds:0} s");
                }
                Thread.Sleep(1);
            }
            return;
        }
        string state = Path.Combine(FreezerDir(), "freezer.state");
        // A v1 cgroup whose processes keep forking can stay FREEZING: write FROZEN again (the kernel retries the
        // processes it missed), and now and then thaw briefly so that a fork in progress can finish.
        for (int attempt = 1; ; attempt++)
        {
            CgroupFs.Write(state, "FROZEN");
            string now = (CgroupFs.TryRead(state) ?? "").Trim();
            if (now == "FROZEN") return;
            if (now != "FREEZING") throw new OciException($"pause: {state} says '{now}'");
            if (DateTime.UtcNow > deadline)
            {
                CgroupFs.TryWrite(state, "THAWED");
                throw new OciException($"pause: the container's processes did not all stop within {FreezeTimeout.TotalSeconds:0} s");
            }
            if (attempt % 50 == 0)
            {
                CgroupFs.TryWrite(state, "THAWED");
                Thread.Sleep(10);
            }
            else
            {
                Thread.Sleep(attempt < 10 ? 0 : 1);
            }
        }
    }

    public void Thaw()
    {
        if (Version == 2)
        {
            CgroupFs.Write(Path.Combine(Dirs[""], "cgroup.freeze"), "0");
            return;
        }
        CgroupFs.Write(Path.Combine(FreezerDir(), "freezer.state"), "THAWED");
    }

    /// <summary>Thaws a frozen container about to be removed; quiet when there is nothing to thaw.</summary>
    private void ThawForRemoval()
    {
        string file = Version == 2 ? Path.Combine(Dirs[""], "cgroup.freeze")
            : Dirs.TryGetValue("freezer", out string? dir) ? Path.Combine(dir, "freezer.state") : "";
        if (file.Length > 0 && File.Exists(file) && IsPaused) CgroupFs.TryWrite(file, Version == 2 ? "0" : "THAWED");
    }

    private string FreezerDir() => Dirs.TryGetValue("freezer", out string? dir)
        ? dir : throw new OciException("pause: the container has no freezer cgroup (no freezer hierarchy was mounted when it was created)");

    private static bool Frozen(string dir) => CgroupFs.ReadKeyed(Path.Combine(dir, "cgroup.events")).GetValueOrDefault("frozen") == 1;
}
