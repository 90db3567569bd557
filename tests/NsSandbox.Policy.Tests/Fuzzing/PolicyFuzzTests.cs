using System.Globalization;
using NsSandbox.Policy.Syscalls;

namespace NsSandbox.Policy.Tests.Fuzzing;

/// <summary>A bounded fuzz run in every test run. tools/fuzz-policy.sh runs the same test longer, with
/// NSS_POLICY_FUZZ_ITERATIONS and NSS_POLICY_FUZZ_SEED; every finding becomes a test in PolicyFuzzRegressions.</summary>
public class PolicyFuzzTests(ITestOutputHelper output)
{
    private static int Setting(string name, int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) ? v : fallback;

    [Fact]
    public void MutatedPoliciesCompileAndAgreeOrAreRefusedWithOnePositionedError()
    {
        int seed = Setting("NSS_POLICY_FUZZ_SEED", 20261123);
        int iterations = Setting("NSS_POLICY_FUZZ_ITERATIONS", 1500);
        var budget = TimeSpan.FromSeconds(Setting("NSS_POLICY_FUZZ_BUDGET_SECONDS", 20));
        using var fuzzer = new PolicyFuzzer();
        var stats = fuzzer.Run(seed, iterations, budget);
        output.WriteLine($"seed {seed}: {stats}");
        Console.Error.WriteLine($"policy fuzz, seed {seed}: {stats}");
        // Both outcomes must be well exercised, or the fuzzer is not testing what it claims.
        Assert.True(stats.Compiled > iterations / 10, stats.ToString());
        Assert.True(stats.Refused > iterations / 3, stats.ToString());
    }

    [Fact]
    public void AnIterationIsTheSameInputOnEveryRun()
    {
        Assert.Equal(PolicyFuzzer.Input(7, 42), PolicyFuzzer.Input(7, 42));
        Assert.NotEqual(PolicyFuzzer.Input(7, 42), PolicyFuzzer.Input(7, 43));
    }

    [Fact]
    public void TheCheckAcceptsAPositionedRefusalAndCountsProbes()
    {
        using var fuzzer = new PolicyFuzzer();
        Assert.Equal((false, 0, null), fuzzer.Check("ALLOW { wirte }", Arch.X86_64, 10, 1));
        var (compiled, probes, failure) = fuzzer.Check("ALLOW { write { fd == 1 } }", Arch.X86_64, 10, 1);
        Assert.Equal((true, 10, null), (compiled, probes, failure));
    }
}
