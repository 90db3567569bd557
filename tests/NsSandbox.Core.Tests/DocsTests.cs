using NsSandbox.Frontends.Cli;

namespace NsSandbox.Core.Tests;

/// <summary>The flag reference cannot drift from the code: every flag has a row in docs/usage.md and no row
/// names a flag that does not exist.</summary>
public sealed class DocsTests
{
    private static string RepoFile(string relative)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "NsSandbox.sln"))) return Path.Combine(dir.FullName, relative);
        throw new FileNotFoundException(relative);
    }

    [Fact]
    public void EveryFlagIsDocumentedWithItsDefault()
    {
        string doc = File.ReadAllText(RepoFile("docs/usage.md"));
        foreach (var f in FlagTable.All)
            Assert.Matches($@"\| `--{f.Name}[ `].*\| {System.Text.RegularExpressions.Regex.Escape(f.Default)} \|", doc);
    }

    [Fact]
    public void NoDocumentedFlagIsMissingFromTheCode()
    {
        var documented = System.Text.RegularExpressions.Regex.Matches(File.ReadAllText(RepoFile("docs/usage.md")), @"^\| `--(\w+)", System.Text.RegularExpressions.RegexOptions.Multiline)
            .Select(m => m.Groups[1].Value);
        Assert.All(documented, name => Assert.NotNull(FlagTable.ByName(name)));
    }
}
