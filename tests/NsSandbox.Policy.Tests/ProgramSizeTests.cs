using NsSandbox.Policy.Semantics;
using NsSandbox.Policy.Syscalls;

namespace NsSandbox.Policy.Tests;

/// <summary>Program sizes against kafel's. kafel's search (read for reference) tests a jge per boundary of ranges of
/// equal action and returns through shared returns, so for a policy without argument tests its program has at
/// least 3 + (ranges - 1) + (distinct actions) instructions: the bound computed here. Ours also kills x32 calls
/// and other architectures with KILL_PROCESS (kafel has no x32 check, and kills a foreign call's thread), which
/// costs a jset and a return; peeling single numbers more than pays for them in scattered policies.</summary>
public class ProgramSizeTests(ITestOutputHelper output)
{
    /// <summary>The fewest instructions kafel's code generator could emit for a policy of plain rules.</summary>
    public static int KafelLowerBound(ResolvedPolicy policy)
    {
        var ranges = new List<PolicyAction>();
        var actions = new HashSet<PolicyAction> { PolicyAction.KillThread }; // kafel's answer to another architecture
        ulong next = 0;
        foreach (var group in policy.Rules.GroupBy(r => r.Number).OrderBy(g => g.Key))
        {
            Assert.All(group, r => Assert.Null(r.Condition));
            if (group.Key > next) Add(policy.Default);
            Add(group.First().Action);
            next = (ulong)group.Key + 1;
        }
        if (next <= uint.MaxValue) Add(policy.Default);
        return ranges.Count == 1 ? 3 + 1 : 3 + (ranges.Count - 1) + actions.Count;

        void Add(PolicyAction action)
        {
            actions.Add(action);
            if (ranges.Count == 0 || ranges[^1] != action) ranges.Add(action);
        }
    }

    [Fact]
    public void ManyScatteredCallsTakeFewerInstructionsThanKafels()
    {
        // The case that was twice kafel's size: 1,025 calls with a gap after each (kafel: 2,084 instructions).
        string text = "ALLOW { " + string.Join(", ", Enumerable.Range(0, 1025).Select(i => $"SYSCALL[{2 * i}]")) + " } DEFAULT KILL";
        foreach (var arch in Arches.All)
        {
            var compiled = PolicyCompiler.CompileText(text, arch);
            int bound = KafelLowerBound(compiled.Policy);
            output.WriteLine($"{Arches.Name(arch)}: {compiled.Program.Count} instructions, kafel at least {bound}");
            Assert.True(bound >= 2084 - 40, $"the bound {bound} is no bound");
            Assert.InRange(compiled.Program.Count, 0, bound * 4 / 5);
            Probes.Check(compiled, seed: 12, count: 20_000);
        }
    }

    [Fact]
    public void RandomAllowListsAreNeverLongerThanKafelsByMoreThanTheX32Check()
    {
        var random = new Random(2026);
        int shorter = 0, cases = 0;
        for (int i = 0; i < 300; i++)
        {
            var arch = Arches.All[i % 2];
            var names = SyscallTable.For(arch).All.Select(s => s.Name).ToArray();
            int count = random.Next(1, i < 150 ? 40 : 300);
            string[] actions = ["ALLOW", "ERRNO(1)", "KILL_PROCESS", "LOG", "ERRNO(38)"];
            var blocks = Enumerable.Range(0, count).GroupBy(_ => actions[random.Next(random.Next(1, actions.Length))])
                .Select(g => $"{g.Key} {{ {string.Join(", ", g.Select(_ => names[random.Next(names.Length)]).Distinct())} }}");
            string text = string.Join("\n", blocks) + $"\nDEFAULT {actions[random.Next(actions.Length)]}";
            var compiled = PolicyCompiler.CompileText(text, arch);
            int bound = KafelLowerBound(compiled.Policy);
            Assert.True(compiled.Program.Count <= bound + 2, $"{compiled.Program.Count} instructions, kafel at least {bound}:\n{text}");
            if (compiled.Program.Count <= bound) shorter++;
            cases++;
            Probes.Check(compiled, seed: i, count: 300);
        }
        output.WriteLine($"{shorter} of {cases} at most kafel's bound");
    }
}
