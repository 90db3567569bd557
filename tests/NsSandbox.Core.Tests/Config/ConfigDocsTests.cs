using System.Text.RegularExpressions;
using NsSandbox.Frontends.Toml;
using static NsSandbox.Core.Tests.Config.ConfigFixture;

namespace NsSandbox.Core.Tests.Config;

/// <summary>docs/config.md cannot drift from the code: every key has a row naming its flag, under its
/// section's heading, and no row names a key that does not exist.</summary>
public sealed partial class ConfigDocsTests
{
    private static readonly string Doc = File.ReadAllText(RepoFile("docs/config.md"));

    [Fact]
    public void EveryKeyIsDocumentedWithItsFlagInItsSection() =>
        Assert.All(ConfigKeys.All, k =>
        {
            var row = Regex.Match(Doc, $@"^\| `{Regex.Escape(k.Path)}` \| `--{k.Flag.Name}` \|", RegexOptions.Multiline);
            Assert.True(row.Success, $"docs/config.md has no row for {k.Path} (--{k.Flag.Name})");
            int heading = Doc.LastIndexOf("\n## [", row.Index, StringComparison.Ordinal);
            Assert.StartsWith($"\n## [{k.Section}]", Doc[heading..]);
        });

    [Fact]
    public void NoDocumentedKeyIsMissingFromTheCode()
    {
        var known = ConfigKeys.All.Select(k => k.Path).Concat(ConfigLoader.ExecPaths).Append(ConfigSyntax.MountPath).ToHashSet();
        var documented = Row().Matches(Doc).Select(m => m.Groups[1].Value).ToList();
        Assert.NotEmpty(documented);
        Assert.All(documented, key => Assert.Contains(key, known));
        Assert.Equal(known.Order(), documented.Order());
    }

    [GeneratedRegex(@"^\| `([a-z0-9-]+\.[a-z0-9-]+)` \|", RegexOptions.Multiline)]
    private static partial Regex Row();
}
