using System.Diagnostics;
using NsSandbox.Policy.Syscalls;

namespace NsSandbox.Policy.Tests.Fuzzing;

/// <summary>Compiles seeded random valid policies and mutations of them. Every input must either compile, with
/// the program agreeing with the reference evaluator on random probes, or be refused with one
/// <see cref="PolicyException"/> whose position lies in the input; any other exception, or an input that takes
/// longer than the budget, is a finding. Iteration i of a seed is the same input on every run.</summary>
public sealed class PolicyFuzzer : IDisposable
{
    /// <summary>Files the mutator's #include fragments name: one to splice, one including itself.</summary>
    private readonly string _includeDir = Directory.CreateTempSubdirectory("nss-policy-fuzz-").FullName;

    public PolicyFuzzer()
    {
        File.WriteAllText(Path.Combine(_includeDir, "inc.policy"), "#define INC 3\nPOLICY inc_p { ERRNO(INC) { read { fd == INC } } }\n");
        File.WriteAllText(Path.Combine(_includeDir, "cycle.policy"), "#include \"cycle.policy\"\n");
    }

    public void Dispose() => Directory.Delete(_includeDir, recursive: true);

    public sealed record Stats(int Inputs, int Compiled, int Refused, int Probes, TimeSpan Elapsed)
    {
        public override string ToString() =>
            $"{Inputs} inputs in {Elapsed.TotalSeconds:0.0} s ({Inputs / Math.Max(Elapsed.TotalSeconds, 1e-3):0} per second): " +
            $"{Compiled} compiled, {Refused} refused, {Probes} probes agreed";
    }

    /// <summary>The input of iteration <paramref name="iteration"/> of <paramref name="seed"/>: a valid policy
    /// one time in four, a mutation of one otherwise; and the architecture to compile it for.</summary>
    public static (string Text, Arch Arch) Input(int seed, int iteration)
    {
        var random = new Random(HashCode.Combine(seed, iteration));
        string valid = new RandomPolicy(random.Next()).Next();
        string text = random.Next(4) == 0 ? valid : PolicyMutator.Mutate(valid, random);
        return (text, Arches.All[random.Next(Arches.All.Count)]);
    }

    public Stats Run(int seed, int iterations, TimeSpan budget, int probesPerPolicy = 100)
    {
        var clock = Stopwatch.StartNew();
        int compiled = 0, refused = 0, probes = 0;
        for (int i = 0; i < iterations; i++)
        {
            var (text, arch) = Input(seed, i);
            var (ok, probed, failure) = CheckWithin(budget, text, arch, probesPerPolicy, seed ^ i);
            if (failure is not null) throw new FuzzFinding(seed, i, arch, text, failure);
            if (ok) compiled++;
            else refused++;
            probes += probed;
        }
        return new Stats(iterations, compiled, refused, probes, clock.Elapsed);
    }

    /// <summary><see cref="Check"/> on another thread, so an input that hangs the compiler is a finding, not a
    /// hung test run (the thread is abandoned; the process ends with the test run).</summary>
    public (bool Compiled, int Probes, string? Failure) CheckWithin(TimeSpan budget, string text, Arch arch, int probes, int probeSeed)
    {
        var check = Task.Run(() => Check(text, arch, probes, probeSeed));
        return check.Wait(budget) ? check.Result : (false, 0, $"no result within {budget.TotalSeconds} s (a hang)");
    }

    /// <summary>Compiles and probes one input: (compiled, probes run, what went wrong or null).</summary>
    public (bool Compiled, int Probes, string? Failure) Check(string text, Arch arch, int probes, int probeSeed)
    {
        try
        {
            var compiled = PolicyCompiler.Compile(PolicySource.FromText(text, _includeDir), arch);
            return (true, Probes.Check(compiled, probeSeed, probes).Values.Sum(), null);
        }
        catch (PolicyException e)
        {
            return (false, 0, Misplaced(e, text));
        }
        catch (Exception e)
        {
            return (false, 0, $"{e.GetType().Name}: {e.Message}\n{e.StackTrace}");
        }
    }

    /// <summary>A refusal must be one line, positioned within its file when it names one.</summary>
    private string? Misplaced(PolicyException e, string text)
    {
        if (e.Diagnostic.Contains('\n')) return $"a multi-line diagnostic: {e.Diagnostic}";
        if (e.Location is not { } at) return $"a diagnostic without a position: {e.Diagnostic}";
        string? source = at.File == PolicySource.StringName ? text : Path.GetFileName(at.File) switch
        {
            "inc.policy" or "cycle.policy" => File.ReadAllText(Path.Combine(_includeDir, Path.GetFileName(at.File))),
            _ => null,
        };
        if (source is null) return $"a diagnostic in an unexpected file: {e.Diagnostic}";
        var lines = source.Split('\n');
        bool inside = at.Line >= 1 && at.Column >= 1 && (at.Line <= lines.Length && at.Column <= lines[at.Line - 1].Length + 1);
        return inside ? null : $"a position outside the input: {e.Diagnostic}";
    }
}

/// <summary>A crash, hang or disagreement, with everything needed to make a regression test of it.</summary>
public sealed class FuzzFinding(int seed, int iteration, Arch arch, string text, string problem)
    : Exception($"seed {seed}, iteration {iteration} ({Arches.Name(arch)}): {problem}\n--- input ---\n{text}\n--- end ---");
