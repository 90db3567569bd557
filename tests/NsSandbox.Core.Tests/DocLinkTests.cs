using System.Text.RegularExpressions;

namespace NsSandbox.Core.Tests;

/// <summary>Every relative link of the repository's Markdown leads somewhere: to a file or directory that exists,
/// and, with #anchor, to a heading of that file (GitHub's anchors: lower case, punctuation dropped, spaces as
/// hyphens). docs/usage.md pointed at an examples/ctf/README.md that was never written.</summary>
public sealed partial class DocLinkTests
{
    private static readonly string Root = Path.GetFullPath(Config.ConfigFixture.RepoFile("."));

    public static TheoryData<string> MarkdownFiles() => new(
        Directory.EnumerateFiles(Root, "*.md", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(Root, f))
            .Where(f => !f.Split(Path.DirectorySeparatorChar).Any(part => part is "artifacts" or "bin" or "obj" or "node_modules" || part.StartsWith('.')))
            .Order());

    [Fact]
    public void TheDocsAreFound() => Assert.Contains("docs/usage.md", MarkdownFiles().Select(r => r.Data));

    [Theory]
    [MemberData(nameof(MarkdownFiles))]
    public void EveryRelativeLinkLeadsToAFileAndHeading(string file)
    {
        string path = Path.Combine(Root, file);
        var broken = new List<string>();
        foreach (Match link in LinkTarget().Matches(Prose(File.ReadAllText(path))))
        {
            string target = link.Groups[1].Value;
            if (Scheme().IsMatch(target)) continue;
            int hash = target.IndexOf('#');
            string linked = hash < 0 ? target : target[..hash];
            string anchor = hash < 0 ? "" : target[(hash + 1)..];
            string full = linked.Length == 0 ? path : Path.GetFullPath(Path.Combine(Path.GetDirectoryName(path)!, Uri.UnescapeDataString(linked)));
            if (!File.Exists(full) && !Directory.Exists(full))
                broken.Add($"{target}: no such file");
            else if (anchor.Length > 0 && full.EndsWith(".md", StringComparison.Ordinal) && !Anchors(File.ReadAllText(full)).Contains(anchor))
                broken.Add($"{target}: no such heading");
        }
        Assert.True(broken.Count == 0, $"{file}: " + string.Join("; ", broken));
    }

    /// <summary>The text outside code: fenced blocks and inline code hold examples, not links.</summary>
    private static string Prose(string markdown) => InlineCode().Replace(Fence().Replace(markdown, ""), "");

    /// <summary>The anchors GitHub gives a file's headings (a repeated heading gets -1, -2, ...).</summary>
    private static HashSet<string> Anchors(string markdown)
    {
        var anchors = new HashSet<string>();
        foreach (Match heading in Heading().Matches(Fence().Replace(markdown, "")))
        {
            string text = LinkText().Replace(heading.Groups[1].Value.Trim(), "$1").Replace("`", "").ToLowerInvariant();
            string slug = NotSlug().Replace(text, "").Replace(' ', '-');
            string unique = slug;
            for (int n = 1; !anchors.Add(unique); n++) unique = $"{slug}-{n}";
        }
        return anchors;
    }

    [GeneratedRegex(@"\]\(([^)\s]+)\)")]
    private static partial Regex LinkTarget();

    [GeneratedRegex(@"^[a-zA-Z][a-zA-Z0-9+.-]*:")]
    private static partial Regex Scheme();

    [GeneratedRegex(@"^```.*?^```", RegexOptions.Singleline | RegexOptions.Multiline)]
    private static partial Regex Fence();

    [GeneratedRegex(@"`[^`\n]*`")]
    private static partial Regex InlineCode();

    [GeneratedRegex(@"^#{1,6} (.*)$", RegexOptions.Multiline)]
    private static partial Regex Heading();

    [GeneratedRegex(@"\[([^\]]*)\]\([^)]*\)")]
    private static partial Regex LinkText();

    [GeneratedRegex(@"[^\p{L}\p{Nd}\p{Mn}\p{Pc} -]")]
    private static partial Regex NotSlug();
}
