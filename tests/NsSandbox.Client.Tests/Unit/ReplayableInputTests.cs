namespace NsSandbox.Client.Tests;

public sealed class ReplayableInputTests
{
    private static readonly byte[] Data = Enumerable.Range(0, 1000).Select(i => (byte)i).ToArray();

    [Fact]
    public async Task AfterARewindTheInputStartsAgainAndGoesOn()
    {
        var input = new ReplayableInput(new MemoryStream(Data), 500);
        var first = new byte[300];
        await input.ReadExactlyAsync(first, Ct);
        Assert.True(input.TryRewind());
        var all = new MemoryStream();
        await input.CopyToAsync(all, Ct);
        Assert.Equal(Data, all.ToArray());
    }

    [Fact]
    public async Task PastTheLimitItCannotBeReplayed()
    {
        var input = new ReplayableInput(new MemoryStream(Data), 500);
        await input.CopyToAsync(Stream.Null, Ct);
        Assert.False(input.TryRewind());
    }
}
