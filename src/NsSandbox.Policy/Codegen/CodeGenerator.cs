using NsSandbox.Policy.Bpf;
using NsSandbox.Policy.Semantics;
using NsSandbox.Policy.Syscalls;

namespace NsSandbox.Policy.Codegen;

/// <summary>Generates the seccomp program: the architecture check, the x32 check on x86_64, read and write
/// first, then a balanced binary search over ranges of syscall numbers with equal decisions, each leaf a return or the argument
/// tests of one syscall.</summary>
public static class CodeGenerator
{
    private sealed record Range(ulong Start, SyscallDecision Decision);

    public static IReadOnlyList<BpfInstruction> Generate(ResolvedPolicy policy, SourceLocation start)
    {
        var asm = new Assembler();
        int wrongArch = asm.NewLabel(), checkedArch = asm.NewLabel();
        asm.Statement(BpfOp.LdAbsW, SeccompData.ArchOffset);
        asm.Jump(BpfOp.JeqK, Arches.AuditArch(policy.Arch), checkedArch, wrongArch);
        asm.Place(wrongArch);
        asm.Return(SeccompRet.KillProcess);
        asm.Place(checkedArch);
        asm.Statement(BpfOp.LdAbsW, SeccompData.NrOffset);
        if (policy.Arch == Arch.X86_64)
        {
            int x32 = asm.NewLabel(), native = asm.NewLabel();
            asm.Jump(BpfOp.JsetK, Arches.X32SyscallBit, x32, native);
            asm.Place(x32);
            // Numbers with the bit that a rule names (SYSCALL[-1]) go on to the search.
            foreach (uint named in policy.Rules.Select(r => r.Number).Where(n => (n & Arches.X32SyscallBit) != 0).Distinct())
            {
                int next = asm.NewLabel();
                asm.Jump(BpfOp.JeqK, named, native, next);
                asm.Place(next);
            }
            asm.Return(SeccompRet.KillProcess);
            asm.Place(native);
        }
        var ranges = Ranges(policy);
        EmitHotCalls(asm, policy, ranges);
        var emitter = new ConditionEmitter(asm);
        EmitSearch(asm, emitter, ranges, 0, ranges.Count);
        if (asm.Count > BpfValidator.MaxInstructions) throw TooLong(asm.Count, start);
        var program = asm.Assemble();
        if (program.Count > BpfValidator.MaxInstructions) throw TooLong(program.Count, start);
        BpfInterpreter.Validate(program);
        return program;
    }

    /// <summary>The hottest calls of most programs; checked before the search when the policy gives them an
    /// action of their own with no argument test.</summary>
    private static readonly string[] HotCalls = ["read", "write"];

    /// <summary>read and write decide in one comparison each, as early as in libseccomp's linear filters, at one
    /// instruction more for each other call (which the search still decides in a handful).</summary>
    private static void EmitHotCalls(Assembler asm, ResolvedPolicy policy, List<Range> ranges)
    {
        if (ranges.Count <= 4) return; // a search of two comparisons or fewer is as quick
        var table = SyscallTable.For(policy.Arch);
        foreach (string name in HotCalls)
        {
            if (!table.TryLookup(name, out var call)) continue;
            var decision = ranges.Last(r => r.Start <= (ulong)call.Number).Decision;
            if (!decision.IsPlain || decision.Fallback == policy.Default) continue;
            int hit = asm.NewLabel(), miss = asm.NewLabel();
            asm.Jump(BpfOp.JeqK, (uint)call.Number, hit, miss);
            asm.Place(hit);
            asm.Return(decision.Fallback.SeccompReturn);
            asm.Place(miss);
        }
    }

    private static PolicyException TooLong(int count, SourceLocation start) => new(start,
        $"the compiled program has {count} instructions, {count - BpfValidator.MaxInstructions} over the kernel's limit of " +
        $"{BpfValidator.MaxInstructions}: use fewer argument conditions or merge rules");

    /// <summary>The whole number space [0, 2^32) as ranges; adjacent ranges that decide alike merged.</summary>
    private static List<Range> Ranges(ResolvedPolicy policy)
    {
        var ranges = new List<Range>();
        var defaultDecision = new SyscallDecision([], policy.Default);
        void Add(ulong start, SyscallDecision decision)
        {
            if (ranges.Count > 0 && ranges[^1].Start == start) ranges.RemoveAt(ranges.Count - 1);
            if (ranges.Count > 0 && ranges[^1].Decision.SameAs(decision)) return;
            ranges.Add(new Range(start, decision));
        }
        Add(0, defaultDecision);
        foreach (var group in policy.Rules.GroupBy(r => r.Number).OrderBy(g => g.Key))
        {
            Add(group.Key, SyscallDecision.For(group, policy.Default));
            if (group.Key < uint.MaxValue) Add((ulong)group.Key + 1, defaultDecision);
        }
        return ranges;
    }

    /// <summary>ranges[from..to) in a balanced tree: "nr >= start of the middle range" splits it in two.</summary>
    private static void EmitSearch(Assembler asm, ConditionEmitter emitter, List<Range> ranges, int from, int to)
    {
        if (to - from == 1)
        {
            EmitDecision(asm, emitter, ranges[from].Decision);
            return;
        }
        int middle = (from + to) / 2;
        int below = asm.NewLabel(), above = asm.NewLabel();
        asm.Jump(BpfOp.JgeK, (uint)ranges[middle].Start, above, below);
        asm.Place(below);
        EmitSearch(asm, emitter, ranges, from, middle);
        asm.Place(above);
        EmitSearch(asm, emitter, ranges, middle, to);
    }

    /// <summary>Runs of tests with the same action share one return: c1 || c2 -> action.</summary>
    private static void EmitDecision(Assembler asm, ConditionEmitter emitter, SyscallDecision decision)
    {
        var tests = decision.Tests;
        for (int i = 0; i < tests.Count;)
        {
            int end = i;
            while (end + 1 < tests.Count && tests[end + 1].Action == tests[i].Action) end++;
            int matched = asm.NewLabel(), after = asm.NewLabel();
            for (int j = i; j <= end; j++)
            {
                int next = j == end ? after : asm.NewLabel();
                emitter.Emit(tests[j].Condition, matched, next);
                if (j != end) asm.Place(next);
            }
            asm.Place(matched);
            asm.Return(tests[i].Action.SeccompReturn);
            asm.Place(after);
            i = end + 1;
        }
        asm.Return(decision.Fallback.SeccompReturn);
    }
}
