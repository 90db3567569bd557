using NsSandbox.Policy.Bpf;
using NsSandbox.Policy.Semantics;
using NsSandbox.Policy.Syscalls;

namespace NsSandbox.Policy.Tests;

/// <summary>Differential checking: the generated program, run on the BPF interpreter, must return exactly what
/// the reference evaluator decides, for many seeded random calls biased toward the policy's own numbers and
/// constants and the 64-bit edges.</summary>
public static class Probes
{
    private static readonly ulong[] Edges =
    [
        0, 1, 2, 0x7fffffff, 0x80000000, 0xffffffff, 0x1_0000_0000, 0x1_0000_0001, 0x8000_0000_0000_0000,
        ulong.MaxValue, ulong.MaxValue - 1, 0xffff_ffff_0000_0000,
    ];

    /// <summary>Runs <paramref name="count"/> probes; returns how many took each source of decision.</summary>
    public static Dictionary<DecisionSource, int> Check(CompiledPolicy compiled, int seed, int count = 3000, Action<Decision>? observe = null)
    {
        var random = new Random(seed);
        var policy = compiled.Policy;
        var numbers = policy.Rules.Select(r => r.Number).Distinct().ToArray();
        var constants = Constants(policy).ToArray();
        uint audit = Arches.AuditArch(compiled.Arch);
        var seen = new Dictionary<DecisionSource, int>();
        for (int i = 0; i < count; i++)
        {
            uint nr = random.Next(10) switch
            {
                < 6 when numbers.Length > 0 => numbers[random.Next(numbers.Length)] + (uint)random.Next(-1, 2),
                6 => (uint)random.Next(0, 600),
                7 => (uint)random.Next() | Arches.X32SyscallBit,
                8 => (uint)(long)Edges[random.Next(Edges.Length)],
                _ => (uint)random.NextInt64(0, 1L << 32),
            };
            uint arch = random.Next(50) == 0 ? (audit == Arches.AuditArchX86_64 ? Arches.AuditArchAarch64 : 0x40000003) : audit;
            var args = new ulong[6];
            for (int a = 0; a < 6; a++) args[a] = Value(random, constants);
            // Conditions may compare arguments with each other: make some equal, or one apart.
            if (random.Next(4) == 0) args[random.Next(6)] = args[random.Next(6)] + (ulong)random.Next(-1, 2);
            var call = SeccompInput.Call(arch, unchecked((int)nr), args);
            var expected = ReferenceEvaluator.Decide(policy, call);
            uint actual = BpfInterpreter.RunValidated(compiled.Program, call, out _);
            if (actual != expected.Action.SeccompReturn)
                Assert.Fail($"seed {seed}, probe {i}: nr {nr} arch 0x{arch:x} args [{string.Join(", ", args.Select(x => $"0x{x:x}"))}]: " +
                    $"BPF returned {SeccompRet.Describe(actual)}, the policy says {expected.Action} ({expected.Reason})");
            seen[expected.Source] = seen.GetValueOrDefault(expected.Source) + 1;
            observe?.Invoke(expected);
        }
        return seen;
    }

    private static ulong Value(Random random, ulong[] constants)
    {
        ulong Pick() => random.Next(4) switch
        {
            0 => Edges[random.Next(Edges.Length)],
            1 when constants.Length > 0 => constants[random.Next(constants.Length)],
            2 => (ulong)random.NextInt64(),
            _ => (ulong)random.Next(0, 70),
        };
        ulong v = Pick();
        return random.Next(5) switch
        {
            0 => v + 1,
            1 => v - 1,
            2 => (v & 0xffff_ffff) | (Pick() << 32), // mix halves of two interesting values
            _ => v,
        };
    }

    private static IEnumerable<ulong> Constants(ResolvedPolicy policy)
    {
        foreach (var rule in policy.Rules)
            if (rule.Condition is { } c)
                foreach (var v in Constants(c)) yield return v;
    }

    private static IEnumerable<ulong> Constants(Condition condition) => condition switch
    {
        NotCondition n => Constants(n.Operand),
        LogicalCondition l => l.Operands.SelectMany(Constants),
        Comparison c => Constants(c.Left).Concat(Constants(c.Right)),
        _ => [],
    };

    private static IEnumerable<ulong> Constants(Operand operand) => operand switch
    {
        ConstantOperand k => [k.Value, k.Value & uint.MaxValue],
        BitOperand b => b.Operands.SelectMany(Constants),
        _ => [],
    };
}
