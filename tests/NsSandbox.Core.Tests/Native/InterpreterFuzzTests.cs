namespace NsSandbox.Core.Tests.Native;

/// <summary>Stage 2's interpreter against malformed programs (native/tests/nss_fuzz.c): every mutation of valid
/// programs in a fixed set, then random programs from a fixed seed, run with fake system calls under the address
/// and undefined-behaviour sanitizers. None may crash or read past its program, and each must end in a reported
/// failure, a (fake) exec, or an exit because the parent went away. `make -C native fuzz COUNT=...` runs longer.</summary>
public sealed class InterpreterFuzzTests
{
    private const int RandomPrograms = 50_000, Seed = 1;

    [Fact]
    public void MalformedProgramsEndInAReportedFailureOrAnExec()
    {
        NativeTools.RequireTools("cc", "make");
        using var dir = NativeTools.CreateTempDir();
        RequireSanitizers(dir.Path);
        string fuzz = Path.Combine(dir.Path, "nss_fuzz");
        NativeTools.Make(dir.Path, fuzz);
        var (code, output) = NativeTools.Run(fuzz, [RandomPrograms.ToString(), Seed.ToString()], TimeSpan.FromSeconds(120));
        Assert.True(code == 0, output);
        Assert.Contains($"{RandomPrograms} random of seed {Seed}", output);
    }

    private static void RequireSanitizers(string dir)
    {
        string source = Path.Combine(dir, "probe.c"), exe = Path.Combine(dir, "probe");
        File.WriteAllText(source, "int main(void) { return 0; }\n");
        var (built, output) = NativeTools.Run("cc", ["-fsanitize=address,undefined", source, "-o", exe], TimeSpan.FromSeconds(60));
        if (built != 0) Assert.Skip($"cc cannot build with -fsanitize=address,undefined: {output.Trim()}");
        var (ran, runOutput) = NativeTools.Run(exe, [], TimeSpan.FromSeconds(30));
        if (ran != 0) Assert.Skip($"a sanitized program does not run here: {runOutput.Trim()}");
    }
}
