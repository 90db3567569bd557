using System.Text.Json.Nodes;

namespace NsSandbox.EndToEnd.Tests;

/// <summary>linux.resources fields the kubelet sends with every container: hugepageLimits (a limit for every page
/// size the node has, 0 for those the pod does not ask for) and device rules. Where the host has the controller the
/// limit is in the container's cgroup; where it does not, the config is refused by name and nothing is made. (The
/// cgroup v2 forms are proven in the VM suite: oci-hugetlb and oci-devices.)</summary>
public sealed partial class OciRuntimeTests
{
    private static JsonObject Hugepages(string size, long limit) => new()
    {
        ["hugepageLimits"] = new JsonArray(new JsonObject { ["pageSize"] = size, ["limit"] = limit }),
    };

    [Fact]
    public void HugepageLimitsAreInTheContainersCgroupOrRefusedByName()
    {
        Require.Root();
        var bundle = new OciBundle(_nss, "/bin/true");
        bundle.Linux["resources"] = Hugepages("2MB", 0);
        bundle.Save();
        string id = NewId();
        var (code, _, err) = Oci("create", "--bundle", bundle.Dir, id);
        string v1 = "/sys/fs/cgroup/hugetlb";
        bool v2Container = File.Exists("/sys/fs/cgroup/cgroup.controllers") && File.ReadAllText("/sys/fs/cgroup/cgroup.controllers").Contains("memory");
        if (v2Container || File.Exists(Path.Combine(v1, "hugetlb.2MB.limit_in_bytes")))
        {
            try
            {
                Assert.True(code == 0, err);
                string file = v2Container ? $"/sys/fs/cgroup/nssandbox-oci/{id}/hugetlb.2MB.max" : $"{v1}/nssandbox-oci/{id}/hugetlb.2MB.limit_in_bytes";
                Assert.Equal("0", File.ReadAllText(file).Trim());
            }
            finally
            {
                Oci("delete", "--force", id);
            }
        }
        else
        {
            Assert.NotEqual(0, code);
            Assert.Contains("hugepageLimits: no hugetlb cgroup v1 hierarchy is mounted", err);
        }
        Assert.Empty(CgroupDirsOf(id));
        Assert.False(Directory.Exists(Path.Combine(_root, id)));
    }

    [Theory]
    [InlineData("2M", "page size '2M'")]
    [InlineData("", "page size ''")]
    [InlineData("two MB", "page size 'two MB'")]
    public void APageSizeNotInTheKernelsFormIsRefusedByNameAndNothingIsMade(string size, string expected)
    {
        Require.Root();
        var bundle = new OciBundle(_nss, "/bin/true");
        bundle.Linux["resources"] = Hugepages(size, 1 << 21);
        bundle.Save();
        string id = NewId();
        var (code, _, err) = Oci("create", "--bundle", bundle.Dir, id);
        Assert.NotEqual(0, code);
        Assert.Contains($"linux.resources.hugepageLimits: {expected} is not in the kernel's form", err);
        Assert.Empty(CgroupDirsOf(id));
        Assert.False(Directory.Exists(Path.Combine(_root, id)));
    }

    [Fact]
    public void ADeviceRuleOfAnUnknownTypeIsRefusedByNameAndNothingIsMade()
    {
        Require.Root();
        var bundle = new OciBundle(_nss, "/bin/true");
        bundle.Linux["resources"] = new JsonObject
        {
            ["devices"] = new JsonArray(new JsonObject { ["allow"] = true, ["type"] = "x", ["major"] = 1, ["minor"] = 3, ["access"] = "rwm" }),
        };
        bundle.Save();
        string id = NewId();
        var (code, _, err) = Oci("create", "--bundle", bundle.Dir, id);
        Assert.NotEqual(0, code);
        Assert.Contains("linux.resources.devices: type 'x' is not a, b or c", err);
        Assert.Empty(CgroupDirsOf(id));
        Assert.False(Directory.Exists(Path.Combine(_root, id)));
    }
}
