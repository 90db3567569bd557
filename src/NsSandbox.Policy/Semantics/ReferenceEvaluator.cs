using NsSandbox.Policy.Bpf;
using NsSandbox.Policy.Syscalls;

namespace NsSandbox.Policy.Semantics;

/// <summary>Why a call got its action: a rule, the default, or one of the checks before any rule.</summary>
public enum DecisionSource { Rule, Default, ArchitectureMismatch, X32Syscall, NewerCall }

/// <summary>The action for one call and what decided it.</summary>
public sealed record Decision(PolicyAction Action, DecisionSource Source, ResolvedRule? Rule, SourceLocation? DefaultLocation)
{
    /// <summary>"rule at f:3:5 (write)", "DEFAULT at f:9:1", ...: for `policy explain`.</summary>
    public string Reason => Source switch
    {
        DecisionSource.Rule => $"rule at {Rule!.Location} ({Rule.SyscallName})",
        DecisionSource.Default when DefaultLocation is { } at => $"DEFAULT at {at}",
        DecisionSource.Default => "no rule matched and there is no DEFAULT (KILL)",
        DecisionSource.ArchitectureMismatch => "the call's architecture is not the policy's",
        DecisionSource.NewerCall => "a number above every syscall the policy names",
        _ => "an x32 syscall (bit 30 of the number) on x86_64",
    };
}

/// <summary>Decides a call straight from the resolved policy, rule by rule in source order: the meaning the
/// generated BPF must have. Tests compare the two; `policy explain` uses it to name the deciding rule.</summary>
public static class ReferenceEvaluator
{
    public static Decision Decide(ResolvedPolicy policy, SeccompInput call)
    {
        if (call.Arch != Arches.AuditArch(policy.Arch))
            return new Decision(PolicyAction.KillProcess, DecisionSource.ArchitectureMismatch, null, null);
        // A number with the x32 bit is killed unless a rule names it (a custom number such as SYSCALL[-1]).
        if (policy.Arch == Arch.X86_64 && ((uint)call.Nr & Arches.X32SyscallBit) != 0 && !policy.Rules.Any(r => r.Number == (uint)call.Nr))
            return new Decision(PolicyAction.KillProcess, DecisionSource.X32Syscall, null, null);
        Span<ulong> args = [call.Arg0, call.Arg1, call.Arg2, call.Arg3, call.Arg4, call.Arg5];
        foreach (var rule in policy.Rules)
        {
            if (rule.Number != (uint)call.Nr) continue;
            if (rule.Condition is null || ConditionMath.Holds(rule.Condition, args))
                return new Decision(rule.Action, DecisionSource.Rule, rule, null);
        }
        if (policy.Newer is { } newer && (uint)call.Nr > newer.Above && !policy.Rules.Any(r => r.Number == (uint)call.Nr))
            return new Decision(newer.Action, DecisionSource.NewerCall, null, null);
        return new Decision(policy.Default, DecisionSource.Default, null, policy.DefaultLocation);
    }
}
