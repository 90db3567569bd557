namespace NsSandbox.Client.Tests;

public sealed class BinaryLocatorTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("nss-client-bin-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Binary(string sub)
    {
        string dir = Directory.CreateDirectory(Path.Combine(_dir, sub)).FullName;
        string path = Path.Combine(dir, "nssandbox");
        File.WriteAllText(path, "");
        return path;
    }

    [Fact]
    public void TheOptionComesFirstThenTheEnvironmentThenThePath()
    {
        string fromOption = Binary("a"), fromEnv = Binary("b"), onPath = Binary("c");
        var env = new Dictionary<string, string?> { ["NSSANDBOX_BIN"] = fromEnv, ["PATH"] = $"/nonexistent:{Path.GetDirectoryName(onPath)}" };
        Assert.Equal(fromOption, BinaryLocator.Find(fromOption, n => env.GetValueOrDefault(n)));
        Assert.Equal(fromEnv, BinaryLocator.Find(null, n => env.GetValueOrDefault(n)));
        env.Remove("NSSANDBOX_BIN");
        Assert.Equal(onPath, BinaryLocator.Find(null, n => env.GetValueOrDefault(n)));
    }

    [Fact]
    public void AMissingBinarySaysWhereItLooked()
    {
        var e = Assert.Throws<NsSandboxNotFoundException>(() => BinaryLocator.Find(null, n => n == "PATH" ? "/nonexistent" : null));
        Assert.Contains("NSSANDBOX_BIN", e.Message);
        Assert.Contains("BinaryPath", e.Message);
        Assert.Contains("/nonexistent", e.Message);
        Assert.Contains("/x/nssandbox", Assert.Throws<NsSandboxNotFoundException>(() => BinaryLocator.Find("/x/nssandbox", _ => null)).Message);
        Assert.Contains("$NSSANDBOX_BIN", Assert.Throws<NsSandboxNotFoundException>(() => BinaryLocator.Find(null, n => n == "NSSANDBOX_BIN" ? "/y" : null)).Message);
    }

    [Fact]
    public void TheClientFailsAtConstructionWithTheSameError() =>
        Assert.Throws<NsSandboxNotFoundException>(() => new NsSandboxClient(new NsSandboxClientOptions { BinaryPath = Path.Combine(_dir, "none") }));
}
