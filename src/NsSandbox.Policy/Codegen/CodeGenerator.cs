using NsSandbox.Policy.Bpf;
using NsSandbox.Policy.Semantics;
using NsSandbox.Policy.Syscalls;

namespace NsSandbox.Policy.Codegen;

/// <summary>Generates the seccomp program, from its end backwards (<see cref="ReverseAssembler"/>): the
/// architecture check, on x86_64 the x32 check, then a search over the leaves of <see cref="SearchPlan"/>: jge
/// on range boundaries, jeq on single numbers, jumping straight to returns shared by every jump within reach.
/// read and write are placed near the root.</summary>
public static class CodeGenerator
{
    public static IReadOnlyList<BpfInstruction> Generate(ResolvedPolicy policy, SourceLocation start)
    {
        var asm = new ReverseAssembler();
        var emitter = new ConditionEmitter(asm);
        var leaves = SearchPlan.Leaves(policy);
        var search = new SearchTree(policy, leaves);
        var entry = Emit(asm, emitter, search, 0, leaves.Count);
        foreach (var (number, decision) in search.RootPeels.AsEnumerable().Reverse())
            entry = asm.Jump(BpfOp.JeqK, number, EmitDecision(asm, emitter, decision), entry);
        if (policy.Arch == Arch.X86_64) entry = EmitX32Check(asm, policy, entry);
        if (entry.Return is null) entry = Target.Of(asm.Add(BpfOp.Stmt(BpfOp.LdAbsW, SeccompData.NrOffset)));
        entry = asm.Jump(BpfOp.JeqK, Arches.AuditArch(policy.Arch), entry, Target.Returning(SeccompRet.KillProcess));
        // Where every call gets KILL_PROCESS, the whole program is that return.
        if (entry.Return is null) entry = Target.Of(asm.Add(BpfOp.Stmt(BpfOp.LdAbsW, SeccompData.ArchOffset)));
        var program = asm.Program(entry);
        if (program.Count > BpfValidator.MaxInstructions)
            throw new PolicyException(start,
                $"the compiled program has {program.Count} instructions, {program.Count - BpfValidator.MaxInstructions} over the kernel's " +
                $"limit of {BpfValidator.MaxInstructions}: use fewer argument conditions or merge rules");
        BpfInterpreter.Validate(program);
        return program;
    }

    private static Target Emit(ReverseAssembler asm, ConditionEmitter emitter, SearchTree search, int from, int to)
    {
        if (to - from == 1) return EmitLeaf(asm, emitter, search.Leaves[from]);
        int middle = search.Split(from, to);
        var above = Emit(asm, emitter, search, middle, to);
        var below = Emit(asm, emitter, search, from, middle);
        return asm.Jump(BpfOp.JgeK, (uint)search.Leaves[middle].Start, above, below);
    }

    /// <summary>A number with x86_64's x32 bit (an x32 ABI call) is killed, unless a rule names it (SYSCALL[-1]):
    /// then the search decides it.</summary>
    private static Target EmitX32Check(ReverseAssembler asm, ResolvedPolicy policy, Target search)
    {
        var x32 = Target.Returning(SeccompRet.KillProcess);
        foreach (uint named in policy.Rules.Select(r => r.Number).Where(n => (n & Arches.X32SyscallBit) != 0).Distinct().Reverse())
            x32 = asm.Jump(BpfOp.JeqK, named, search, x32);
        return asm.Jump(BpfOp.JsetK, Arches.X32SyscallBit, x32, search);
    }

    private static Target EmitLeaf(ReverseAssembler asm, ConditionEmitter emitter, Leaf leaf)
    {
        var entry = EmitDecision(asm, emitter, leaf.Decision);
        for (int i = leaf.Peels.Count - 1; i >= 0; i--)
            entry = asm.Jump(BpfOp.JeqK, leaf.Peels[i].Number, EmitDecision(asm, emitter, leaf.Peels[i].Decision), entry);
        return entry;
    }

    /// <summary>The tests of one number in rule order, each to its action's return, then the fallback.</summary>
    private static Target EmitDecision(ReverseAssembler asm, ConditionEmitter emitter, SyscallDecision decision)
    {
        var entry = Target.Returning(decision.Fallback.SeccompReturn);
        for (int i = decision.Tests.Count - 1; i >= 0; i--)
            entry = emitter.Emit(decision.Tests[i].Condition, Target.Returning(decision.Tests[i].Action.SeccompReturn), entry);
        return entry;
    }
}
