using System.Text;
using NsSandbox.Contract.Oci;
using NsSandbox.Core.Oci;

namespace NsSandbox.Core.Tests.Oci;

/// <summary>`update`'s input as runc reads it: its flags, the resources JSON containerd's shim sends, sizes and
/// durations in runc's syntax, and every field it cannot apply refused by name.</summary>
public sealed class ResourceUpdateTests
{
    [Theory]
    [InlineData("1024", 1024L)]
    [InlineData("64m", 64L << 20)]
    [InlineData("64M", 64L << 20)]
    [InlineData("64MB", 64L << 20)]
    [InlineData("64MiB", 64L << 20)]
    [InlineData("64 m", 64L << 20)]
    [InlineData("1.5g", 3L << 29)]
    [InlineData("2k", 2048L)]
    [InlineData("100b", 100L)]
    [InlineData("-1", -1L)]
    public void MemorySizesAreRuncs(string text, long bytes) => Assert.Equal(bytes, ResourceUpdate.ParseMemory(text, "--memory"));

    [Theory]
    [InlineData("")]
    [InlineData("m")]
    [InlineData("12x")]
    [InlineData("-2")]
    [InlineData("1..5m")]
    [InlineData("99999999999p")]
    public void ABadSizeNamesTheFlag(string text)
    {
        var e = Assert.Throws<SpecException>(() => ResourceUpdate.ParseMemory(text, "--memory"));
        Assert.StartsWith("--memory: ", e.Message);
    }

    [Fact]
    public void FlagsSetWhatTheyNameAndLeaveTheRestAlone()
    {
        var u = ResourceUpdate.FromFlags([("--memory", "128m"), ("--memory-swap", "-1"), ("--cpu-share", "512"), ("--cpu-quota", "-1"),
            ("--cpu-period", "50000"), ("--cpuset-cpus", "0-1"), ("--pids-limit", "20"), ("--blkio-weight", "0")]);
        Assert.Equal(new ResourceUpdate
        {
            MemoryLimit = 128L << 20, MemorySwap = -1, CpuShares = 512, CpuQuota = -1, CpuPeriod = 50000, Cpus = "0-1", PidsLimit = 20,
        }, u);
        Assert.True(ResourceUpdate.FromFlags([("--cpuset-mems", "")]).Empty);
        Assert.Equal(256UL, ResourceUpdate.FromFlags([("--cpu-shares", "256")]).CpuShares); // the brief's spelling, an alias
    }

    [Theory]
    [InlineData("--blkio-weight", "500", "blkio")]
    [InlineData("--cpu-rt-runtime", "1000", "realtime")]
    [InlineData("--l3-cache-schema", "L3:0=f", "Intel RDT")]
    [InlineData("--pids-limit", "-5", "-1 lifts it")]
    [InlineData("--cpuset-cpus", "0-x", "not a cpu or node list")]
    [InlineData("--cpuset-cpus", "3-1", "runs backwards")]
    [InlineData("--cpu-period", "-1", "non-negative")]
    public void AFlagItCannotApplyIsRefusedByName(string flag, string value, string why)
    {
        var e = Assert.Throws<SpecException>(() => ResourceUpdate.FromFlags([(flag, value)]));
        Assert.Contains(flag, e.Message);
        Assert.Contains(why, e.Message);
    }

    [Fact]
    public void TheShimsJsonWithItsZerosChangesOnlyWhatItSets()
    {
        // What dockerd sends for `docker update --memory 200m --pids-limit 30` (zeros and empty strings: unchanged).
        var r = Parse("""
            {"memory":{"limit":209715200,"swap":419430400},"cpu":{"shares":0,"quota":0,"period":0,"realtimeRuntime":0,"realtimePeriod":0},
             "blockIO":{"weight":0},"pids":{"limit":30}}
            """);
        var u = ResourceUpdate.FromJson(r, "stdin", []);
        Assert.Equal(new ResourceUpdate { MemoryLimit = 200L << 20, MemorySwap = 400L << 20, PidsLimit = 30 }, u);
    }

    [Fact]
    public void DeviceRulesMayOnlyRepeatConfigJsons()
    {
        var rule = new OciDeviceRule { Allow = false, Access = "rwm" };
        var r = Parse("""{"devices":[{"allow":false,"access":"rwm"}],"memory":{"limit":1048576}}""");
        Assert.Equal(1L << 20, ResourceUpdate.FromJson(r, "stdin", [rule]).MemoryLimit);
        var e = Assert.Throws<SpecException>(() => ResourceUpdate.FromJson(r, "stdin", []));
        Assert.Contains("devices", e.Message);
    }

    [Theory]
    [InlineData("""{"memory":{"kernel":1048576}}""", "memory.kernel")]
    [InlineData("""{"memory":{"swappiness":10}}""", "memory.swappiness")]
    [InlineData("""{"cpu":{"realtimeRuntime":5}}""", "cpu.realtimeRuntime")]
    [InlineData("""{"blockIO":{"weight":300}}""", "blockIO")]
    [InlineData("""{"hugepageLimits":[{"pageSize":"2M","limit":0}]}""", "hugepageLimits: page size '2M'")]
    [InlineData("""{"unified":{"memory.high":"1"}}""", "unified")]
    public void AFieldItCannotApplyIsRefusedByName(string json, string field)
    {
        var e = Assert.Throws<SpecException>(() => ResourceUpdate.FromJson(Parse(json), "stdin", []));
        Assert.Contains(field, e.Message);
    }

    [Fact]
    public void HugepageLimitsAreTakenPerPageSize()
    {
        var u = ResourceUpdate.FromJson(Parse("""{"hugepageLimits":[{"pageSize":"2MB","limit":4194304},{"pageSize":"1GB","limit":0}]}"""), "stdin", []);
        Assert.Equal([("2MB", 4194304UL), ("1GB", 0UL)], u.Hugepages);
        Assert.False(u.Empty);
        Assert.True(ResourceUpdate.FromJson(Parse("""{"hugepageLimits":[]}"""), "stdin", []).Empty);
    }

    [Fact]
    public void AFieldOutsideTheSpecIsRefusedWithItsPlace()
    {
        var e = Assert.Throws<SpecException>(() => Parse("""{"memory":{"limit":1,"bogus":2}}"""));
        Assert.Matches(@"^res\.json:1:\d+$", e.Origin);
        Assert.Contains("bogus", e.Message);
    }

    [Theory]
    [InlineData("5s", 5000.0)]
    [InlineData("100ms", 100.0)]
    [InlineData("1m30s", 90000.0)]
    [InlineData("1.5s", 1500.0)]
    [InlineData("2500us", 2.5)]
    [InlineData("0", 0.0)]
    public void DurationsAreGos(string text, double ms) => Assert.Equal(TimeSpan.FromMilliseconds(ms), GoDuration.Parse(text, "--interval"));

    [Theory]
    [InlineData("5")]
    [InlineData("s")]
    [InlineData("5x")]
    [InlineData("")]
    public void ABadDurationIsRefused(string text) => Assert.Throws<SpecException>(() => GoDuration.Parse(text, "--interval"));

    [Fact]
    public void CpusetListsExpandForTheStatistics() => Assert.Equal([0, 1, 2, 5], CpusetList.Expand("0-2,5\n"));

    private static OciResources Parse(string json) => OciConfigReader.ParseResources(Encoding.UTF8.GetBytes(json), "res.json");
}
