using NsSandbox.Linux;

namespace NsSandbox.Core.Tests;

/// <summary>A failed setrlimit names the resource and errno; the name is made only on failure (naming an enum
/// value needs reflection metadata, which every launch paid for when it was made for each call).</summary>
public sealed class RlimitErrorTests
{
    [Fact]
    public void AFailedSetrlimitNamesTheResourceAndTheErrno()
    {
        // soft above hard is EINVAL before the kernel changes anything, whoever asks.
        var e = Assert.Throws<KernelException>(() => LinuxKernel.Instance.SetRlimit(RlimitResource.Nofile, 64, 32));
        Assert.Equal("setrlimit", e.Call);
        Assert.Equal("NOFILE", e.Subject);
        Assert.Equal(22, e.Errno);
    }

    [Fact]
    public void GetrlimitReadsTheCurrentLimits()
    {
        var (soft, hard) = LinuxKernel.Instance.GetRlimit(RlimitResource.Nofile);
        Assert.True(soft > 0 && soft <= hard);
    }
}
