using NsSandbox.Frontends.Cli;

namespace NsSandbox.Core.Tests;

public sealed class ValuesTests
{
    [Theory]
    [InlineData("0", 0ul)]
    [InlineData("4096", 4096ul)]
    [InlineData("1K", 1024ul)]
    [InlineData("512M", 512ul << 20)]
    [InlineData("512MiB", 512ul << 20)]
    [InlineData("1G", 1ul << 30)]
    [InlineData("2gb", 2ul << 30)]
    [InlineData("3T", 3ul << 40)]
    public void Sizes(string text, ulong bytes) => Assert.Equal(bytes, Values.Size("--x", text));

    [Theory]
    [InlineData("")]
    [InlineData("M")]
    [InlineData("1.5G")]
    [InlineData("-1")]
    [InlineData("1X")]
    [InlineData("99999999999T")]
    public void BadSizes(string text) => Assert.Throws<SpecException>(() => Values.Size("--x", text));

    [Theory]
    [InlineData("1", 1000)]
    [InlineData("1.5", 1500)]
    [InlineData("250ms", 250)]
    [InlineData("30s", 30000)]
    [InlineData("2m", 120000)]
    [InlineData("1h", 3600000)]
    public void Durations(string text, int ms) => Assert.Equal(TimeSpan.FromMilliseconds(ms), Values.Duration("--x", text));

    [Theory]
    [InlineData("soon")]
    [InlineData("-5")]
    [InlineData("1e999")]
    [InlineData("")]
    public void BadDurations(string text) => Assert.Throws<SpecException>(() => Values.Duration("--x", text));

    [Fact]
    public void BindPairDefaultsTheTargetToTheSource()
    {
        Assert.Equal(("/a", "/a"), Values.BindPair("-B", "/a"));
        Assert.Equal(("/a", "/b"), Values.BindPair("-B", "/a:/b"));
    }
}
