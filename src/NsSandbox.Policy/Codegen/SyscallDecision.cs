using NsSandbox.Policy.Semantics;

namespace NsSandbox.Policy.Codegen;

/// <summary>What one syscall number does: conditional rules tried in order, then a fallback action (the
/// first unconditional rule's, or the default). With no conditional rule left it is a plain action, which
/// lets equal neighbours merge into one range.</summary>
public sealed record SyscallDecision(IReadOnlyList<(Condition Condition, PolicyAction Action)> Tests, PolicyAction Fallback)
{
    public bool IsPlain => Tests.Count == 0;

    /// <summary>Whether the two decide every call alike: the same tests in the same order and the same fallback.
    /// Neighbouring numbers that decide alike share one range.</summary>
    public bool SameAs(SyscallDecision other) =>
        Fallback == other.Fallback && Tests.Count == other.Tests.Count
        && Tests.Zip(other.Tests).All(p => p.First.Action == p.Second.Action && ConditionMath.Same(p.First.Condition, p.Second.Condition));

    /// <summary>The rules of one number, in order, reduced: constants folded, rules after an unconditional
    /// one dropped (they can never decide), trailing rules whose action is the fallback dropped.</summary>
    public static SyscallDecision For(IEnumerable<ResolvedRule> rules, PolicyAction defaultAction)
    {
        var tests = new List<(Condition, PolicyAction)>();
        var fallback = defaultAction;
        foreach (var rule in rules)
        {
            var condition = rule.Condition is null ? new ConstantCondition(true) : ConditionSimplifier.Simplify(rule.Condition);
            if (condition is ConstantCondition constant)
            {
                if (!constant.Value) continue;
                fallback = rule.Action;
                break;
            }
            tests.Add((condition, rule.Action));
        }
        while (tests.Count > 0 && tests[^1].Item2 == fallback) tests.RemoveAt(tests.Count - 1);
        return new SyscallDecision(tests, fallback);
    }
}
