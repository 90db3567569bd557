using NsSandbox.Frontends.Nsjail;

namespace NsSandbox.Core.Tests.Nsjail;

/// <summary>protobuf's text format as nsjail's configs use it, and its errors with line:column.</summary>
public sealed class TextFormatParserTests
{
    private static string Error(string text) => Assert.Throws<TextFormatException>(() => TextFormatParser.Parse(text)) is var e ? $"{e.At}: {e.Message}" : "";

    [Fact]
    public void ScalarsMessagesListsCommentsAndSeparators()
    {
        var root = TextFormatParser.Parse("""
            # comment
            name: "a" 'b'   # adjacent strings join
            time_limit: 0x10; mode: ONCE,
            mount { src: "/x" dst: "/y" is_bind: true }
            mount: < dst: "/t" >
            envar: ["A=1", "B"]
            exec_bin { path: "/bin/sh" arg: "-c" arg: "echo \"hi\"\n\x41\101\u00e9" }
            """);
        var f = root.Fields;
        Assert.Equal(["name", "time_limit", "mode", "mount", "mount", "envar", "envar", "exec_bin"], f.Select(x => x.Name));
        Assert.Equal("ab", ((TextScalar)f[0].Value).Text);
        Assert.Equal((ScalarKind.Number, "0x10"), (((TextScalar)f[1].Value).Kind, ((TextScalar)f[1].Value).Text));
        Assert.Equal(ScalarKind.Identifier, ((TextScalar)f[2].Value).Kind);
        Assert.Equal(3, ((TextMessage)f[3].Value).Fields.Count);
        Assert.Equal(new TextPosition(4, 1), f[3].At);
        Assert.Equal("B", ((TextScalar)f[6].Value).Text);
        var exec = (TextMessage)f[7].Value;
        Assert.Equal("echo \"hi\"\nAAé", ((TextScalar)exec.Fields[2].Value).Text);
    }

    [Theory]
    [InlineData("name \"x\"", "1:6: expected ':' or '{' after name, found a string")]
    [InlineData("mount {\n  dst: \"/x\"\n", "3:1: missing '}' at the end of the file")]
    [InlineData("a: \"unterminated\n", "1:4: unterminated string")]
    [InlineData("a: \"\\q\"", "1:5: unknown escape '\\q'")]
    [InlineData("a: @", "1:4: unexpected character '@'")]
    [InlineData("[ext]: 1", "1:1: extensions and Any are not part of nsjail's configuration")]
    [InlineData("a: [1, 2", "1:9: expected ',' or ']' in the list, found the end of the file")]
    [InlineData("a: }", "1:4: expected a value, found '}'")]
    public void ErrorsSayWhereAndWhat(string text, string expected) => Assert.Equal(expected, Error(text));

    [Fact]
    public void DeepNestingIsAnErrorNotAStackOverflow() =>
        Assert.Contains("nested deeper than", Error(string.Concat(Enumerable.Repeat("a {", 10_000))));

    /// <summary>Mutations of a real-shaped config: every outcome is a parse or a TextFormatException.</summary>
    [Fact]
    public void FuzzedInputNeverCrashes()
    {
        const string seed = "name: \"x\"\nmount { src: \"/lib\" dst: \"/lib\" is_bind: true }\nenvar: [\"A=\\x41\", 'b']\nrlimit_as: -12\nexec_bin < path: \"/p\" >\n";
        var random = new Random(20261202);
        string alphabet = "{}<>[]:;,\"'\\#\n -0x1a_zé\u0001";
        for (int i = 0; i < 20_000; i++)
        {
            var text = new System.Text.StringBuilder(seed);
            int edits = random.Next(1, 6);
            for (int e = 0; e < edits && text.Length > 0; e++)
            {
                int at = random.Next(text.Length);
                switch (random.Next(3))
                {
                    case 0: text.Remove(at, 1); break;
                    case 1: text.Insert(at, alphabet[random.Next(alphabet.Length)]); break;
                    default: text[at] = alphabet[random.Next(alphabet.Length)]; break;
                }
            }
            try
            {
                TextFormatParser.Parse(text.ToString());
            }
            catch (TextFormatException e)
            {
                Assert.True(e.At.Line >= 1 && e.At.Column >= 1, $"{e.At} for {text}");
            }
        }
    }
}
