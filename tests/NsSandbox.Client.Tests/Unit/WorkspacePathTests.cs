namespace NsSandbox.Client.Tests;

public sealed class WorkspacePathTests
{
    [Theory]
    [InlineData("a.txt", "/data/a.txt")]
    [InlineData("src//main.py", "/data/src/main.py")]
    [InlineData("dir/", "/data/dir")]
    public void RelativePathsLandUnderData(string given, string inside) => Assert.Equal(inside, WorkspacePath.Inside(given));

    [Theory]
    [InlineData("/etc/passwd")]
    [InlineData("../x")]
    [InlineData("a/../../x")]
    [InlineData(".")]
    [InlineData("")]
    [InlineData("a\0b")]
    public void PathsOutsideTheWorkspaceAreRefused(string given) => Assert.ThrowsAny<ArgumentException>(() => WorkspacePath.Inside(given));
}
