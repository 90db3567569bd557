using System.Diagnostics;
using System.Text;
using NsSandbox.Policy.Oci;
using NsSandbox.Policy.Syscalls;

namespace NsSandbox.Policy.Tests.Oci;

/// <summary>Mutated OCI and Docker profiles (bytes flipped, cut, repeated; tokens swapped for JSON's edge cases):
/// each either compiles and agrees with its reference evaluation, or is refused with one PolicyException at a
/// position inside the text. Never another exception.</summary>
public class OciFuzzTests(ITestOutputHelper output)
{
    private static readonly string[] Tokens =
    [
        "null", "true", "[]", "{}", "\"\"", "0", "-1", "1.5", "1e3", "18446744073709551616", "\"\\u0000\"", "\"\\ud800\"", "\"é\"",
        "\"SCMP_ACT_NOTIFY\"", "\"SCMP_CMP_MASKED_EQ\"", "\"SCMP_ARCH_X32\"", "\"names\"", "\"args\"", "\"index\"", "\"valueTwo\"",
        "\"includes\"", "\"caps\"", "\"minKernel\"", "\"archMap\"", "\"linux\"", "\"seccomp\"", ",", ":", "[", "]", "{", "}",
    ];

    [Fact]
    public void MutatedProfilesCompileAndAgreeOrAreRefusedWithOnePositionedError()
    {
        var corpus = new List<string> { DockerCapture.DockerFormat };
        var generator = new RandomOciProfile(40_000);
        for (int i = 0; i < 30; i++) corpus.Add(generator.Next());
        corpus.Add("{\"ociVersion\": \"1.0.2\", \"linux\": {\"seccomp\": " + corpus[1] + "}}");
        var docker = new DockerTarget(Arch.X86_64, DockerTarget.DefaultCapabilities, new Version(6, 1));
        var random = new Random(20261202);
        int compiled = 0, refused = 0;
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < 4000 && clock.Elapsed < TimeSpan.FromSeconds(20); i++)
        {
            byte[] input = Mutate(Encoding.UTF8.GetBytes(corpus[random.Next(corpus.Count)]), random);
            try
            {
                var filter = PolicyCompiler.CompileOci(input, "fuzz.json", random.Next(2) == 0 ? Arch.X86_64 : Arch.Aarch64,
                    random.Next(2) == 0 ? docker : null);
                OciDifferentialTests.Check(filter, seed: i, count: 200);
                compiled++;
            }
            catch (PolicyException e)
            {
                int lines = input.Count(b => b == '\n') + 1;
                if (e.Location is { } at && (at.File != "fuzz.json" || at.Line < 1 || at.Line > lines || at.Column < 1))
                    Assert.Fail($"iteration {i}: position {at} outside the text: {e.Message}\n{Encoding.UTF8.GetString(input)}");
                refused++;
            }
            catch (Exception e)
            {
                Assert.Fail($"iteration {i}: {e.GetType().Name}: {e.Message}\n{Encoding.UTF8.GetString(input)}");
            }
        }
        output.WriteLine($"{compiled} compiled and agreed, {refused} refused, in {clock.Elapsed.TotalSeconds:0.0} s");
        // The reader is strict, so most mutations are refusals; the seed is fixed, so the counts are too (86 and 3914).
        Assert.True(compiled > 40 && refused > 1000, $"{compiled} compiled, {refused} refused");
    }

    private static byte[] Mutate(byte[] text, Random random)
    {
        var bytes = text.ToList();
        // Mostly one mutation, so that many inputs stay close enough to a profile to compile.
        for (int n = random.Next(4) == 0 ? 2 : 1; n > 0 && bytes.Count > 0; n--)
        {
            int at = random.Next(bytes.Count);
            switch (random.Next(9))
            {
                case 0: bytes[at] = (byte)random.Next(256); break;
                case 1: bytes.RemoveRange(at, Math.Min(bytes.Count - at, 1 + random.Next(8))); break;
                case 2: bytes.InsertRange(at, Encoding.UTF8.GetBytes(Tokens[random.Next(Tokens.Length)])); break;
                case 3: bytes.RemoveRange(at, bytes.Count - at); break;
                case 4 or 5 or 6:
                    // A value swapped: the token at a quote or digit replaced.
                    int end = at;
                    while (end < bytes.Count && bytes[end] is not ((byte)',' or (byte)'}' or (byte)']')) end++;
                    bytes.RemoveRange(at, end - at);
                    bytes.InsertRange(at, Encoding.UTF8.GetBytes(Tokens[random.Next(Tokens.Length)]));
                    break;
                default:
                    int from = random.Next(bytes.Count), length = Math.Min(bytes.Count - from, random.Next(40));
                    bytes.InsertRange(at, bytes.GetRange(from, length));
                    break;
            }
        }
        return [.. bytes];
    }
}
