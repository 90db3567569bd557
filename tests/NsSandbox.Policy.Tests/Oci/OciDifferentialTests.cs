using System.Diagnostics;
using System.Globalization;
using NsSandbox.Policy.Bpf;
using NsSandbox.Policy.Oci;
using NsSandbox.Policy.Semantics;
using NsSandbox.Policy.Syscalls;

namespace NsSandbox.Policy.Tests.Oci;

/// <summary>The compiled program of random OCI profiles, run on the BPF interpreter, against the profile's reference
/// evaluation (<see cref="OciReferenceEvaluator"/>, entry by entry from the JSON) and the resolved policy's, on half a
/// million calls biased toward the profiles' syscalls and values (NSS_OCI_DIFF_CALLS sets another count). A profile
/// that names one syscall with overlapping rules of different actions is refused (ArgumentSolverTests checks the
/// solver that finds such calls); the rest must agree call for call.</summary>
public class OciDifferentialTests(ITestOutputHelper output)
{
    private const string CallsVariable = "NSS_OCI_DIFF_CALLS";

    [Fact]
    public void ProgramsAgreeWithTheProfilesOnHalfAMillionCalls()
    {
        long calls = long.TryParse(Environment.GetEnvironmentVariable(CallsVariable), NumberStyles.Integer, CultureInfo.InvariantCulture, out long n)
            ? n : 500_000;
        const int Profiles = 120;
        int perProgram = (int)Math.Max(1000, calls / (Profiles * Arches.All.Count * 4 / 5));
        var reasons = new Dictionary<string, long>();
        var actions = new HashSet<ActionKind>();
        int compiled = 0, refused = 0, index = 0;
        var clock = Stopwatch.StartNew();
        var generator = new RandomOciProfile(20_000);
        for (int p = 0; p < Profiles; p++)
        {
            string json = generator.Next();
            foreach (var arch in Arches.All)
            {
                OciSeccompFilter filter;
                try
                {
                    filter = PolicyCompiler.CompileOci(json, $"random-{p}.json", arch);
                }
                catch (PolicyException e) when (e.Message.Contains("both match", StringComparison.Ordinal))
                {
                    refused++;
                    continue;
                }
                compiled++;
                foreach (var (reason, count) in Check(filter, seed: index++, perProgram, actions))
                    reasons[reason] = reasons.GetValueOrDefault(reason) + count;
            }
        }
        string summary = $"{compiled} programs ({refused} profiles refused for overlapping actions) agreed on " +
            $"{reasons.Values.Sum():N0} calls in {clock.Elapsed.TotalSeconds:0.0} s: " +
            string.Join(", ", reasons.OrderBy(r => r.Key).Select(r => $"{r.Value:N0} by {r.Key}"));
        output.WriteLine(summary);
        Console.Error.WriteLine($"OCI differential: {summary}");
        Assert.True(compiled >= Profiles, summary);
        Assert.All(["rule", "default", "newer", "architecture", "x32"], r => Assert.True(reasons.GetValueOrDefault(r) > 100, summary));
        Assert.Equal(Enum.GetValues<ActionKind>().ToHashSet(), actions);
    }

    /// <summary>Probes a compiled profile; returns how many calls each kind of decision took.</summary>
    public static Dictionary<string, int> Check(OciSeccompFilter filter, int seed, int count, HashSet<ActionKind>? actions = null)
    {
        var random = new Random(seed);
        var arch = filter.Compiled.Arch;
        var table = SyscallTable.For(arch);
        var numbers = filter.Profile.Syscalls.SelectMany(r => r.Names)
            .Select(name => table.TryLookupTableName(name.Value, out var s) ? (uint)s.Number : 0).Distinct().ToArray();
        var constants = filter.Profile.Syscalls.SelectMany(r => r.Args).SelectMany(a => new[] { a.Value, a.ValueTwo, a.Value & a.ValueTwo }).ToArray();
        uint audit = Arches.AuditArch(arch);
        var seen = new Dictionary<string, int>();
        for (int i = 0; i < count; i++)
        {
            uint nr = random.Next(10) switch
            {
                < 5 => numbers[random.Next(numbers.Length)],
                5 => numbers[random.Next(numbers.Length)] + (uint)random.Next(-1, 2),
                6 => (uint)random.Next(0, 600),
                7 => (uint)random.Next() | Arches.X32SyscallBit,
                _ => (uint)random.NextInt64(0, 1L << 32),
            };
            uint callArch = random.Next(40) == 0 ? 0x40000003 : audit;
            var args = new ulong[6];
            for (int a = 0; a < 6; a++) args[a] = Value(random, constants);
            var call = SeccompInput.Call(callArch, unchecked((int)nr), args);
            var expected = OciReferenceEvaluator.Decide(filter.Profile, arch, call);
            uint actual = BpfInterpreter.RunValidated(filter.Compiled.Program, call, out _);
            if (actual != expected.Action.SeccompReturn || ReferenceEvaluator.Decide(filter.Compiled.Policy, call).Action != expected.Action)
                Assert.Fail($"seed {seed}, probe {i}: nr {nr} arch 0x{callArch:x} args [{string.Join(", ", args.Select(x => $"0x{x:x}"))}]: " +
                    $"BPF returned {SeccompRet.Describe(actual)}, the profile says {expected.Action} ({expected.Reason})");
            string kind = expected.Rule is not null ? "rule"
                : expected.Reason.StartsWith("defaultAction", StringComparison.Ordinal) ? "default"
                : expected.Reason.StartsWith("a number above", StringComparison.Ordinal) ? "newer"
                : expected.Reason.StartsWith("an x32", StringComparison.Ordinal) ? "x32" : "architecture";
            seen[kind] = seen.GetValueOrDefault(kind) + 1;
            actions?.Add(expected.Action.Kind);
        }
        return seen;
    }

    private static readonly ulong[] Edges =
        [0, 1, 2, 0x7fffffff, 0x80000000, 0xffffffff, 0x1_0000_0000, 0x1_0000_0001, 0x8000_0000_0000_0000, ulong.MaxValue, 0xffff_ffff_0000_0000];

    private static ulong Value(Random random, ulong[] constants)
    {
        ulong Pick() => random.Next(5) switch
        {
            0 => Edges[random.Next(Edges.Length)],
            1 or 2 or 3 when constants.Length > 0 => constants[random.Next(constants.Length)],
            _ => (ulong)random.NextInt64(),
        };
        ulong v = Pick();
        return random.Next(6) switch
        {
            0 => v + 1,
            1 => v - 1,
            2 => (v & 0xffff_ffff) | (Pick() << 32),
            3 => v | Pick(),
            _ => v,
        };
    }
}
