using NsSandbox.Policy.Syntax;
using NsSandbox.Policy.Syscalls;

namespace NsSandbox.Policy.Semantics;

/// <summary>Resolves a parsed file for one architecture: #define constants (defined before use), policies
/// (USE only of earlier ones), syscall names to numbers, argument names to positions. Semantic errors carry
/// the position of the offending name.</summary>
public sealed partial class Resolver
{
    private readonly Arch _arch;
    private readonly SyscallTable _table;
    private readonly Dictionary<string, (ulong Value, SourceLocation At)> _defines = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (IReadOnlyList<ResolvedRule> Rules, SourceLocation At)> _policies = new(StringComparer.Ordinal);

    private Resolver(Arch arch)
    {
        _arch = arch;
        _table = SyscallTable.For(arch);
    }

    public static ResolvedPolicy Resolve(PolicyFile file, Arch arch, SourceLocation start) =>
        new Resolver(arch).ResolveFile(file, start);

    private ResolvedPolicy ResolveFile(PolicyFile file, SourceLocation start)
    {
        var topLevel = new List<ResolvedRule>();
        DefaultStatement? defaultStatement = null;
        foreach (var statement in file.Statements)
        {
            switch (statement)
            {
                case DefineStatement d:
                    if (_defines.TryGetValue(d.Name, out var earlier))
                        throw new PolicyException(d.Location, $"'{d.Name}' is already defined at {earlier.At}");
                    _defines[d.Name] = (Constant(d.Value), d.Location);
                    break;
                case PolicyDefinition p:
                    if (_policies.TryGetValue(p.Name, out var existing))
                        throw new PolicyException(p.Location, $"policy '{p.Name}' is already defined at {existing.At}");
                    var rules = new List<ResolvedRule>();
                    foreach (var item in p.Items) ResolveItem(item, rules);
                    _policies[p.Name] = (rules, p.Location);
                    break;
                case TopLevelItem t:
                    ResolveItem(t.Item, topLevel);
                    break;
                case DefaultStatement s:
                    if (defaultStatement is not null)
                        throw new PolicyException(s.Location, $"DEFAULT is given twice; the first is at {defaultStatement.Location}");
                    defaultStatement = s;
                    break;
            }
        }
        if (topLevel.Count == 0 && defaultStatement is null && !HasTopLevelItem(file))
            throw new PolicyException(start, "the policy has no top-level rules: add an action block, or USE a policy (USE name DEFAULT KILL)");
        var defaultAction = defaultStatement is null ? PolicyAction.KillThread : ResolveAction(defaultStatement.Action);
        return new ResolvedPolicy(_arch, topLevel, defaultAction, defaultStatement?.Location);
    }

    private static bool HasTopLevelItem(PolicyFile file) => file.Statements.Any(s => s is TopLevelItem);

    private void ResolveItem(PolicyItem item, List<ResolvedRule> into)
    {
        switch (item)
        {
            case UseItem use:
                if (!_policies.TryGetValue(use.PolicyName, out var used))
                    throw new PolicyException(use.Location, $"undefined policy '{use.PolicyName}' (a policy may only USE policies defined before it)");
                // A rule already in the list can never decide a second time (the first copy matches first), so
                // it is left out: USE p, USE p in each of n nested policies would otherwise grow as 2^n.
                var present = new HashSet<ResolvedRule>(into, ReferenceEqualityComparer.Instance);
                foreach (var rule in used.Rules)
                    if (present.Add(rule)) into.Add(rule);
                break;
            case ActionBlock block:
                var action = ResolveAction(block.Action);
                foreach (var rule in block.Rules)
                    if (ResolveRule(rule, action) is { } resolved) into.Add(resolved);
                break;
        }
    }

    private PolicyAction ResolveAction(ActionSyntax action)
    {
        ushort data = 0;
        if (action.Parameter is { } parameter)
        {
            ulong value = Constant(parameter);
            if (value > ushort.MaxValue)
                throw new PolicyException(parameter.Location, $"{action.Keyword}({(long)value}) is out of range: expected 0..65535");
            data = (ushort)value;
        }
        return PolicyAction.FromKeyword(action.Keyword, data);
    }

    /// <summary>The rule for this architecture, or null when ON excludes it.</summary>
    private ResolvedRule? ResolveRule(RuleSyntax rule, PolicyAction action)
    {
        if (rule.Architectures is { } arches && !AppliesHere(arches)) return null;
        var (number, name, syscall) = ResolveSyscall(rule.Syscall);
        var scope = ArgumentScope.For(name, syscall, rule.DeclaredArguments);
        var condition = rule.Condition is null ? null : ResolveCondition(rule.Condition, scope);
        return new ResolvedRule(number, name, action, condition, rule.Location);
    }

    private bool AppliesHere(IReadOnlyList<NameSyntax> arches)
    {
        bool here = false;
        foreach (var a in arches)
        {
            if (!Arches.TryParse(a.Name, out var arch))
                throw new PolicyException(a.Location, $"unknown architecture '{a.Name}' (expected x86_64 or aarch64)");
            here |= arch == _arch;
        }
        return here;
    }

    private (uint Number, string Name, Syscall? Syscall) ResolveSyscall(SyscallSyntax syntax)
    {
        if (syntax is NumberedSyscall numbered)
        {
            ulong n = Constant(numbered.Number);
            if (n > uint.MaxValue)
                throw new PolicyException(numbered.Number.Location, $"syscall number {n} is out of range: expected 0..4294967295");
            var known = n <= int.MaxValue ? _table.ByNumber((int)n) : null;
            return ((uint)n, known?.Name ?? $"SYSCALL[{n}]", known);
        }
        var named = (NamedSyscall)syntax;
        if (_defines.TryGetValue(named.Name, out var define))
        {
            if (define.Value > uint.MaxValue)
                throw new PolicyException(named.Location, $"'{named.Name}' = {define.Value} is not a syscall number: expected 0..4294967295");
            var known = define.Value <= int.MaxValue ? _table.ByNumber((int)define.Value) : null;
            return ((uint)define.Value, named.Name, known);
        }
        if (_table.TryLookup(named.Name, out var syscall)) return ((uint)syscall.Number, syscall.Name, syscall);
        var nearest = _table.NearestNames(named.Name);
        string hint = nearest.Count > 0 ? $"; did you mean {string.Join(", ", nearest)}?" : "";
        throw new PolicyException(named.Location, $"unknown syscall '{named.Name}' on {Arches.Name(_arch)}{hint}");
    }

    private ulong Constant(ValueSyntax value) => value switch
    {
        NumberValue n => n.Value,
        NamedValue { Name: var name } v => _defines.TryGetValue(name, out var d)
            ? d.Value
            : throw new PolicyException(v.Location, $"undefined constant '{name}' (a #define must come before its use)"),
        _ => throw new ArgumentOutOfRangeException(nameof(value)),
    };
}
