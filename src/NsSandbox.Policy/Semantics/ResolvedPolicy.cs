using NsSandbox.Policy.Syntax;
using NsSandbox.Policy.Syscalls;

namespace NsSandbox.Policy.Semantics;

/// <summary>A policy for one architecture with every name resolved: rules in decision order (after USE
/// expansion) and the default. This is what the code generator and the reference evaluator read.</summary>
public sealed record ResolvedPolicy(Arch Arch, IReadOnlyList<ResolvedRule> Rules, PolicyAction Default, SourceLocation? DefaultLocation);

/// <summary>One rule: syscall number, action, optional condition, and where it was written.</summary>
public sealed record ResolvedRule(uint Number, string SyscallName, PolicyAction Action, Condition? Condition, SourceLocation Location);

public abstract record Condition;

public sealed record ConstantCondition(bool Value) : Condition;

public sealed record NotCondition(Condition Operand) : Condition;

public sealed record LogicalCondition(LogicalOperator Operator, IReadOnlyList<Condition> Operands) : Condition;

/// <summary>Left op Right, unsigned. Is32Bit: every argument involved is 32 bits wide, so both sides compare
/// only their low 32 bits.</summary>
public sealed record Comparison(Operand Left, ComparisonOperator Operator, Operand Right, bool Is32Bit) : Condition;

/// <summary>A masked operand in normal form: ((argument &amp; And) | Or), or the constant Or when there is no
/// argument. Every operand the language allows folds to this.</summary>
public readonly record struct Operand(int? Argument, ulong And, ulong Or)
{
    public static Operand Constant(ulong value) => new(null, 0, value);

    public static Operand Of(int argument) => new(argument, ulong.MaxValue, 0);

    public ulong Evaluate(ReadOnlySpan<ulong> arguments) => Argument is int i ? (arguments[i] & And) | Or : Or;
}
