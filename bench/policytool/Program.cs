using NsSandbox.Policy;
using NsSandbox.Policy.Semantics;
using NsSandbox.Policy.Syntax;
using NsSandbox.Policy.Syscalls;

// Compiles a policy file for x86_64 with NsSandbox's compiler and writes what bench/src/seccompbench.c loads:
//   OUT.bpf    the program as seccomp(2) takes it (struct sock_filter, native byte order)
//   OUT.rules  the same policy as libseccomp rules, one per line, first match first:
//                default ACTION
//                rule NR ACTION [ARG OP MASK VALUE]...     (OP: eq ne lt le gt ge masked_eq; hex numbers)
//              a condition is split into its disjuncts (one rule each); a condition libseccomp cannot express
//              (a masked !=, an operand with a constant ORed in, NOT) stops the export with a message.
//              libseccomp takes one comparison per argument and rule, so "x != a && x != b" becomes the
//              rules x < a, x == a+1 (when b == a+2) and x > b.
if (args.Length != 2)
{
    Console.Error.WriteLine("usage: policytool POLICY_FILE OUT_PREFIX");
    return 2;
}
try
{
    var compiled = PolicyCompiler.CompileFile(args[0], Arch.X86_64);
    File.WriteAllBytes(args[1] + ".bpf", compiled.Bytes);
    using var rules = new StreamWriter(args[1] + ".rules");
    rules.WriteLine($"default 0x{compiled.Policy.Default.SeccompReturn:x}");
    // libseccomp refuses a rule whose action is the default's (EACCES), and a number without rules gets the
    // default anyway: such a rule is left out (default.policy names clone3 with ERRNO(ENOSYS), its default).
    foreach (var rule in compiled.Policy.Rules.Where(r => r.Condition is not null || r.Action != compiled.Policy.Default))
        foreach (var conjunct in Disjuncts(rule.Condition).SelectMany(SplitExclusions))
            rules.WriteLine($"rule {rule.Number} 0x{rule.Action.SeccompReturn:x}{string.Concat(conjunct.Select(Argument))}");
    Console.WriteLine($"{args[0]}: {compiled.Program.Count} BPF instructions, {compiled.Policy.Rules.Count} rules");
    return 0;
}
catch (Exception e) when (e is PolicyException or NotSupportedException or IOException)
{
    Console.Error.WriteLine("policytool: " + e.Message);
    return 1;
}

// The condition as an OR of ANDs of comparisons (null: always true).
static List<List<Comparison>> Disjuncts(Condition? condition) => condition switch
{
    null or ConstantCondition { Value: true } => [[]],
    ConstantCondition { Value: false } => [],
    Comparison c => [[c]],
    LogicalCondition { Operator: LogicalOperator.Or } or_ => or_.Operands.SelectMany(Disjuncts).ToList(),
    LogicalCondition and => and.Operands.Select(Disjuncts).Aggregate(
        new List<List<Comparison>> { new() },
        (acc, next) => acc.SelectMany(a => next.Select(n => a.Concat(n).ToList())).ToList()),
    _ => throw new NotSupportedException($"libseccomp has no equivalent of {condition}"),
};

// Several != on one argument (socket's family != AF_ALG && family != AF_VSOCK) as alternatives libseccomp
// can take: below the first excluded value, each single value between two, above the last.
static IEnumerable<List<Comparison>> SplitExclusions(List<Comparison> conjunct)
{
    var repeated = conjunct.GroupBy(c => Normal(c.Left).Argument).FirstOrDefault(g => g.Count() > 1);
    if (repeated is null)
    {
        yield return conjunct;
        yield break;
    }
    if (repeated.Any(c => c.Operator != ComparisonOperator.NotEqual))
        throw new NotSupportedException($"libseccomp takes one comparison per argument: {string.Join(" && ", repeated)}");
    var excluded = repeated.Select(c => Normal(c.Right).Or).Distinct().Order().ToList();
    var rest = conjunct.Except(repeated).ToList();
    Comparison With(ComparisonOperator op, ulong value) => repeated.First() with { Operator = op, Right = new ConstantOperand(value) };
    var alternatives = new List<Comparison> { With(ComparisonOperator.Less, excluded[0]), With(ComparisonOperator.Greater, excluded[^1]) };
    for (int i = 0; i + 1 < excluded.Count; i++)
    {
        if (excluded[i + 1] - excluded[i] > 2)
            throw new NotSupportedException($"libseccomp cannot take the range between {excluded[i]} and {excluded[i + 1]}");
        if (excluded[i + 1] - excluded[i] == 2) alternatives.Add(With(ComparisonOperator.Equal, excluded[i] + 1));
    }
    foreach (var alternative in alternatives)
        foreach (var split in SplitExclusions([.. rest, alternative]))
            yield return split;
}

// An operand as (argument & And) | Or, the forms libseccomp knows; anything else has no equivalent.
static (int? Argument, ulong And, ulong Or) Normal(Operand operand) => operand switch
{
    ConstantOperand k => (null, 0, k.Value),
    ArgumentOperand a => (a.Index, ulong.MaxValue, 0),
    BitOperand { Operator: BitOperator.And, Operands: [ArgumentOperand a, ConstantOperand k] } => (a.Index, k.Value, 0),
    BitOperand { Operator: BitOperator.Or, Operands: [ArgumentOperand a, ConstantOperand k] } => (a.Index, ulong.MaxValue, k.Value),
    _ => throw new NotSupportedException($"libseccomp has no equivalent of {operand}"),
};

static string Argument(Comparison c)
{
    var (left, right) = (Normal(c.Left), Normal(c.Right));
    if (left.Argument is not int arg || left.Or != 0 || right.Argument is not null)
        throw new NotSupportedException($"libseccomp compares an argument with a constant only: {c}");
    ulong mask = c.Is32Bit ? left.And & 0xffffffff : left.And;
    bool masked = mask != (c.Is32Bit ? 0xffffffffUL : ulong.MaxValue);
    if (masked && c.Operator != ComparisonOperator.Equal)
        throw new NotSupportedException($"libseccomp masks only for ==: {c}");
    string op = masked ? "masked_eq" : c.Operator switch
    {
        ComparisonOperator.Equal => "eq",
        ComparisonOperator.NotEqual => "ne",
        ComparisonOperator.Less => "lt",
        ComparisonOperator.LessOrEqual => "le",
        ComparisonOperator.Greater => "gt",
        _ => "ge",
    };
    return $" {arg} {op} 0x{mask:x} 0x{right.Or:x}";
}
