using System.Text.RegularExpressions;
using NsSandbox.Policy.Syscalls;

namespace NsSandbox.Policy.Tests;

/// <summary>The policies docs/policy.md shows compile, for both architectures, and agree with the reference.</summary>
public partial class DocsExampleTests
{
    [Fact]
    public void EveryPolicyInThePolicyDocCompiles()
    {
        string root = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(root, "NsSandbox.sln"))) root = Path.GetDirectoryName(root)!;
        string doc = File.ReadAllText(Path.Combine(root, "docs", "policy.md"));
        var blocks = FencedBlock().Matches(doc).Select(m => m.Groups[1].Value).ToList();
        Assert.True(blocks.Count >= 2, "docs/policy.md shows at least two policies");
        foreach (string text in blocks)
            foreach (var arch in Arches.All)
                Probes.Check(PolicyCompiler.CompileText(text, arch), seed: 11, count: 500);
    }

    [GeneratedRegex(@"^```\n(.*?)^```", RegexOptions.Multiline | RegexOptions.Singleline)]
    private static partial Regex FencedBlock();
}
