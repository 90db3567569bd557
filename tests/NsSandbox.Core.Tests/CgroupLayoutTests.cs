using NsSandbox.Linux.Cgroups;

namespace NsSandbox.Core.Tests;

public sealed class CgroupLayoutTests
{
    private static readonly string[] HybridMountinfo =
    [
        "30 22 0:27 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755",
        "31 30 0:28 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu",
        "32 30 0:29 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct",
        "34 30 0:31 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory",
        "38 30 0:35 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids",
        "39 30 0:36 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd",
        "40 30 0:37 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw",
    ];

    [Fact]
    public void HybridHostHasV1ControllersAndAV2Mount()
    {
        var layout = CgroupLayout.Parse(HybridMountinfo, ["9:name=systemd:/", "8:pids:/", "4:memory:/jobs/42", "1:cpu:/", "0::/"]);
        Assert.Equal("/sys/fs/cgroup/unified", layout.V2Mount);
        Assert.Equal("/", layout.V2OwnPath);
        Assert.Equal("/sys/fs/cgroup/memory", layout.V1Mounts["memory"]);
        Assert.Equal("/sys/fs/cgroup/pids", layout.V1Mounts["pids"]);
        Assert.Equal("/sys/fs/cgroup/cpu", layout.V1Mounts["cpu"]);
        Assert.False(layout.V1Mounts.ContainsKey("name=systemd"));
        Assert.Equal("/jobs/42", layout.V1OwnPaths["memory"]);
    }

    [Fact]
    public void CombinedV1HierarchyCountsForEachController()
    {
        var layout = CgroupLayout.Parse(
            ["31 30 0:28 / /sys/fs/cgroup/cpu,cpuacct rw,relatime - cgroup cgroup rw,cpu,cpuacct"], ["2:cpu,cpuacct:/a"]);
        Assert.Equal("/sys/fs/cgroup/cpu,cpuacct", layout.V1Mounts["cpu"]);
        Assert.Equal("/sys/fs/cgroup/cpu,cpuacct", layout.V1Mounts["cpuacct"]);
        Assert.Equal("/a", layout.V1OwnPaths["cpuacct"]);
        Assert.Null(layout.V2Mount);
    }

    [Fact]
    public void PureV2HostWithAnEscapedMountPoint()
    {
        var layout = CgroupLayout.Parse(["25 1 0:22 / /sys/fs/my\\040cgroup rw - cgroup2 cgroup2 rw,nsdelegate"], ["0::/user.slice/init"]);
        Assert.Equal("/sys/fs/my cgroup", layout.V2Mount);
        Assert.Equal("/user.slice/init", layout.V2OwnPath);
        Assert.Empty(layout.V1Mounts);
    }

    [Fact]
    public void ContainerWithTheHostsCgroupNamespaceSeesItsCgroupAsTheMountRoot()
    {
        const string id = "/docker/02dee188b066";
        var layout = CgroupLayout.Parse(
            [$"130 126 0:31 {id} /sys/fs/cgroup/memory rw,nosuid - cgroup cgroup rw,memory",
             $"131 126 0:35 {id} /sys/fs/cgroup/pids rw,nosuid - cgroup cgroup rw,pids",
             $"132 126 0:37 {id} /sys/fs/cgroup/unified rw,nosuid - cgroup2 cgroup2 rw"],
            [$"8:pids:{id}/job", $"4:memory:{id}", $"0::{id}", "1:cpu:/elsewhere"]);
        Assert.Equal("/", layout.V1OwnPaths["memory"]);
        Assert.Equal("/job", layout.V1OwnPaths["pids"]);
        Assert.Equal("/", layout.V2OwnPath);
        Assert.Equal("/elsewhere", layout.V1OwnPaths["cpu"]);
    }

    [Fact]
    public void LimitsNameTheControllersTheyNeed()
    {
        Assert.Equal(["memory", "pids", "cpu"], new CgroupLimits(1 << 20, null, 5, 100).Controllers);
        Assert.Equal(["memory"], new CgroupLimits(1 << 20, 0, null, null).Controllers);
        Assert.False(new CgroupLimits(null, null, null, null).Any);
        Assert.Equal(200_000UL, new CgroupLimits(null, null, null, 200).CpuQuotaUs);
    }
}
