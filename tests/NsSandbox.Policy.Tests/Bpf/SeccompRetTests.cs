using NsSandbox.Policy.Bpf;

namespace NsSandbox.Policy.Tests.Bpf;

public class SeccompRetTests
{
    [Theory]
    [InlineData(0x7fff0000u, "ALLOW")]
    [InlineData(0x7ffc0000u, "LOG")]
    [InlineData(0x80000000u, "KILL_PROCESS")]
    [InlineData(0x00000000u, "KILL_THREAD")]
    [InlineData(0x7fc00000u, "USER_NOTIF")]
    [InlineData(0x00050001u, "ERRNO(1)")]
    [InlineData(0x00050000u, "ERRNO(0)")]
    [InlineData(0x0005ffffu, "ERRNO(65535)")]
    [InlineData(0x00030007u, "TRAP(7)")]
    [InlineData(0x7ff00002u, "TRACE(2)")]
    [InlineData(0x7fff0005u, "ALLOW(data=5)")]
    [InlineData(0x12340000u, "UNKNOWN(0x12340000)")]
    public void Describes_actions_and_their_data(uint ret, string expected)
    {
        Assert.Equal(expected, SeccompRet.Describe(ret));
    }

    [Fact]
    public void Splits_action_and_data()
    {
        Assert.Equal(SeccompRet.Errno, SeccompRet.Action(SeccompRet.Errno | 38));
        Assert.Equal(38u, SeccompRet.Data(SeccompRet.Errno | 38));
        Assert.Equal(0xffff0000u, SeccompRet.ActionFullMask);
        Assert.Equal(0x0000ffffu, SeccompRet.DataMask);
    }
}
