namespace NsSandbox.Policy.Syntax;

// The syntax tree, as parsed: names are not resolved yet (that is the resolver's job, per architecture).
// #include leaves no node: the token source splices included files in place.

/// <summary>A parsed file, and the dialect its extensions were reported to (the resolver reports more).</summary>
public sealed record PolicyFile(IReadOnlyList<Statement> Statements, Dialect Dialect);

public abstract record Statement(SourceLocation Location);

/// <summary>#define NAME value.</summary>
public sealed record DefineStatement(string Name, ValueSyntax Value, SourceLocation Location) : Statement(Location);

/// <summary>POLICY name { items }.</summary>
public sealed record PolicyDefinition(string Name, IReadOnlyList<PolicyItem> Items, SourceLocation Location) : Statement(Location);

/// <summary>DEFAULT action.</summary>
public sealed record DefaultStatement(ActionSyntax Action, SourceLocation Location) : Statement(Location);

/// <summary>An action block or USE at file scope: part of the implicit top-level policy.</summary>
public sealed record TopLevelItem(PolicyItem Item) : Statement(Item.Location);

public abstract record PolicyItem(SourceLocation Location);

/// <summary>USE name: the named policy's body, pasted here.</summary>
public sealed record UseItem(string PolicyName, SourceLocation Location) : PolicyItem(Location);

/// <summary>ACTION { rule, ... }.</summary>
public sealed record ActionBlock(ActionSyntax Action, IReadOnlyList<RuleSyntax> Rules, SourceLocation Location) : PolicyItem(Location);

/// <summary>ALLOW, KILL, ERRNO(n), ...; Parameter is set for ERRNO, TRAP and TRACE.</summary>
public sealed record ActionSyntax(string Keyword, ValueSyntax? Parameter, SourceLocation Location);

/// <summary>name [(arg, ...)] [ON arch | ON { arch, ... }] [{ condition, ... }]. DeclaredArguments is empty for
/// "name()" (no argument names) and null when none are declared; Condition is null for "name" and "name {}".</summary>
public sealed record RuleSyntax(
    SyscallSyntax Syscall,
    IReadOnlyList<NameSyntax>? DeclaredArguments,
    IReadOnlyList<NameSyntax>? Architectures,
    ExpressionSyntax? Condition,
    SourceLocation Location);

public abstract record SyscallSyntax(SourceLocation Location);

/// <summary>A syscall by name (or a #define'd number).</summary>
public sealed record NamedSyscall(string Name, SourceLocation Location) : SyscallSyntax(Location);

/// <summary>SYSCALL[n].</summary>
public sealed record NumberedSyscall(ValueSyntax Number, SourceLocation Location) : SyscallSyntax(Location);

public sealed record NameSyntax(string Name, SourceLocation Location);

/// <summary>A number or a name standing for one (a #define).</summary>
public abstract record ValueSyntax(SourceLocation Location);

public sealed record NumberValue(ulong Value, string Spelling, SourceLocation Location) : ValueSyntax(Location);

public sealed record NamedValue(string Name, SourceLocation Location) : ValueSyntax(Location);

public abstract record ExpressionSyntax(SourceLocation Location);

/// <summary>A leaf: a number, an argument name or a #define.</summary>
public sealed record ValueExpression(ValueSyntax Value) : ExpressionSyntax(Value.Location);

public enum LogicalOperator { And, Or }

/// <summary>a &amp;&amp; b &amp;&amp; ... or a || b || ... (a ',' list is an Or); n-ary so long chains stay shallow.</summary>
public sealed record LogicalExpression(LogicalOperator Operator, IReadOnlyList<ExpressionSyntax> Operands, SourceLocation Location)
    : ExpressionSyntax(Location);

public sealed record NotExpression(ExpressionSyntax Operand, SourceLocation Location) : ExpressionSyntax(Location);

public enum BitOperator { And, Or }

/// <summary>a &amp; b &amp; ... or a | b | ...</summary>
public sealed record BitExpression(BitOperator Operator, IReadOnlyList<ExpressionSyntax> Operands, SourceLocation Location)
    : ExpressionSyntax(Location);

public enum ComparisonOperator { Equal, NotEqual, Less, LessOrEqual, Greater, GreaterOrEqual }

public sealed record ComparisonExpression(ExpressionSyntax Left, ComparisonOperator Operator, ExpressionSyntax Right, SourceLocation Location)
    : ExpressionSyntax(Location);
