using NsSandbox.Policy.Syntax;
using NsSandbox.Policy.Syscalls;

namespace NsSandbox.Policy.Semantics;

/// <summary>A policy for one architecture with every name resolved: rules in decision order (after USE
/// expansion) and the default. This is what the code generator and the reference evaluator read.</summary>
public sealed record ResolvedPolicy(Arch Arch, IReadOnlyList<ResolvedRule> Rules, PolicyAction Default, SourceLocation? DefaultLocation)
{
    /// <summary>What numbers above a bound get instead of the default when no rule names them; null: the default.</summary>
    public NewerCalls? Newer { get; init; }
}

/// <summary>Numbers (unsigned) above <paramref name="Above"/> that no rule names get <paramref name="Action"/>: an
/// OCI profile's calls newer than every syscall it names answer ENOSYS, as runc makes them (docs/seccomp.md).</summary>
public sealed record NewerCalls(uint Above, PolicyAction Action);

/// <summary>One rule: syscall number, action, optional condition, and where it was written.</summary>
public sealed record ResolvedRule(uint Number, string SyscallName, PolicyAction Action, Condition? Condition, SourceLocation Location);

public abstract record Condition;

public sealed record ConstantCondition(bool Value) : Condition;

public sealed record NotCondition(Condition Operand) : Condition;

public sealed record LogicalCondition(LogicalOperator Operator, IReadOnlyList<Condition> Operands) : Condition;

/// <summary>Left op Right, unsigned. Is32Bit: every argument involved is 32 bits wide, so both sides compare
/// only their low 32 bits. Location is where the comparison was written, for code generation errors.</summary>
public sealed record Comparison(Operand Left, ComparisonOperator Operator, Operand Right, bool Is32Bit, SourceLocation Location) : Condition;

/// <summary>A value in a comparison: a constant, an argument, or '&amp;' or '|' over operands.</summary>
public abstract record Operand
{
    public abstract ulong Evaluate(ReadOnlySpan<ulong> arguments);
}

public sealed record ConstantOperand(ulong Value) : Operand
{
    public override ulong Evaluate(ReadOnlySpan<ulong> arguments) => Value;
}

/// <summary>Argument Index. A 32-bit argument is its low half, as the kernel reads it: the high half is zero.</summary>
public sealed record ArgumentOperand(int Index, bool Is32Bit) : Operand
{
    public override ulong Evaluate(ReadOnlySpan<ulong> arguments) => Is32Bit ? arguments[Index] & uint.MaxValue : arguments[Index];
}

/// <summary>Operands[0] op Operands[1] op ...; constants are folded into at most one operand, the last.</summary>
public sealed record BitOperand(BitOperator Operator, IReadOnlyList<Operand> Operands) : Operand
{
    public override ulong Evaluate(ReadOnlySpan<ulong> arguments)
    {
        ulong value = Operands[0].Evaluate(arguments);
        for (int i = 1; i < Operands.Count; i++)
            value = Operator == BitOperator.And ? value & Operands[i].Evaluate(arguments) : value | Operands[i].Evaluate(arguments);
        return value;
    }
}
