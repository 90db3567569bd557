namespace NsSandbox.EndToEnd.Tests;

/// <summary>rlimits as the kernel reports them, and the wall-clock limit.</summary>
[Collection<LoadSensitive>]
public sealed class LimitsTests : IDisposable
{
    private readonly Launcher _nss = new();

    public void Dispose() => _nss.Dispose();

    private static Dictionary<string, (string Soft, string Hard)> Limits(string procLimits) =>
        procLimits.Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1)
            .Select(l => (Name: l[..26].Trim(), Soft: l[26..47].Trim(), Hard: l[47..68].Trim()))
            .ToDictionary(x => x.Name, x => (x.Soft, x.Hard));

    [Fact]
    public void RlimitsAreSetAsGiven()
    {
        Require.Root();
        var r = _nss.Run(["--rlimit_as", "512", "--rlimit_cpu", "7", "--rlimit_fsize", "2", "--rlimit_nofile", "64",
            "--rlimit_nproc", "100", "--rlimit_stack", "4", "--rlimit_core", "0", "--rlimit_data", "256"], "/bin/cat", "/proc/self/limits");
        var l = Limits(r.Stdout);
        Assert.Equal(("536870912", "536870912"), l["Max address space"]);
        Assert.Equal(("7", "7"), l["Max cpu time"]);
        Assert.Equal(("2097152", "2097152"), l["Max file size"]);
        Assert.Equal(("64", "64"), l["Max open files"]);
        Assert.Equal(("100", "100"), l["Max processes"]);
        Assert.Equal(("4194304", "4194304"), l["Max stack size"]);
        Assert.Equal(("0", "0"), l["Max core file size"]);
        Assert.Equal(("268435456", "268435456"), l["Max data size"]);
    }

    [Fact]
    public void SoftHardAndInfTakeTheLaunchersValues()
    {
        Require.Root();
        var own = Limits(File.ReadAllText("/proc/self/limits"));
        var r = _nss.Run(["--rlimit_nofile", "soft", "--rlimit_stack", "hard", "--rlimit_cpu", "inf"], "/bin/cat", "/proc/self/limits");
        var l = Limits(r.Stdout);
        Assert.Equal((own["Max open files"].Soft, own["Max open files"].Soft), l["Max open files"]);
        Assert.Equal((own["Max stack size"].Hard, own["Max stack size"].Hard), l["Max stack size"]);
        Assert.Equal(("unlimited", "unlimited"), l["Max cpu time"]);
    }

    [Fact]
    public void FileSizeLimitStopsAWriter()
    {
        Require.Root();
        var r = _nss.Sh("head -c 3000000 /dev/zero > /data/big; echo rc=$?; stat -c %s /data/big", "--rlimit_fsize", "1");
        Assert.Contains("1048576", r.Stdout);
    }

    [Fact]
    public void TimeLimitKillsTheWholeSandbox()
    {
        Require.Root();
        // A background sleeper too: killing pid 1 of the namespace must take it along.
        var r = _nss.Sh("sleep 30 & sleep 10", "--time_limit", "1");
        Assert.Equal(124, r.ExitCode);
        Assert.Equal("timeout", r.ReportString("reason"));
        double wall = r.Report!.Value.GetProperty("wall_seconds").GetDouble();
        Assert.InRange(wall, 1.0, 9.0); // ended by the limit, not by the 10 s sleep
        Assert.Contains("time limit", r.Stderr);
    }
}
