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
    private readonly Dialect _dialect;
    private readonly Dictionary<string, (ulong Value, SourceLocation At)> _defines = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (IReadOnlyList<ResolvedRule> Rules, SourceLocation At)> _policies = new(StringComparer.Ordinal);

    private Resolver(Arch arch, Dialect dialect)
    {
        _arch = arch;
        _table = SyscallTable.For(arch);
        _dialect = dialect;
    }

    public static ResolvedPolicy Resolve(PolicyFile file, Arch arch) => new Resolver(arch, file.Dialect).ResolveFile(file);

    private ResolvedPolicy ResolveFile(PolicyFile file)
    {
        var topLevel = new List<ResolvedRule>();
        DefaultStatement? defaultStatement = null;
        foreach (var statement in file.Statements)
        {
            switch (statement)
            {
                case DefineStatement d:
                    // As in kafel, a #define may be repeated with the same value (two included files that share one).
                    ulong value = Constant(d.Value);
                    if (!_defines.TryGetValue(d.Name, out var earlier)) _defines[d.Name] = (value, d.Location);
                    else if (earlier.Value != value)
                        throw new PolicyException(d.Location,
                            $"'{Names.Quote(d.Name)}' is already defined as 0x{earlier.Value:x} at {earlier.At}; this #define gives 0x{value:x}");
                    break;
                case PolicyDefinition p:
                    if (_policies.TryGetValue(p.Name, out var existing))
                        throw new PolicyException(p.Location, $"policy '{Names.Quote(p.Name)}' is already defined at {existing.At}");
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
        // As in kafel, a file of named policies alone compiles to its default for every call.
        var defaultAction = defaultStatement is null ? PolicyAction.KillThread : ResolveAction(defaultStatement.Action);
        return new ResolvedPolicy(_arch, topLevel, defaultAction, defaultStatement?.Location);
    }

    private void ResolveItem(PolicyItem item, List<ResolvedRule> into)
    {
        switch (item)
        {
            case UseItem use:
                if (!_policies.TryGetValue(use.PolicyName, out var used))
                    throw new PolicyException(use.Location, $"undefined policy '{Names.Quote(use.PolicyName)}' (a policy may only USE policies defined before it)");
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
        if (rule.Architectures is { } arches && !AppliesHere(arches, _arch)) return null;
        var (number, name, syscall) = ResolveSyscall(rule.Syscall);
        var scope = ArgumentScope.For(name, syscall, rule.DeclaredArguments);
        var condition = rule.Condition is null ? null : ResolveCondition(rule.Condition, scope);
        return new ResolvedRule(number, name, action, condition, rule.Location);
    }

    private static bool AppliesHere(IReadOnlyList<NameSyntax> arches, Arch target)
    {
        var seen = new HashSet<Arch>();
        foreach (var a in arches)
        {
            if (!Arches.TryParse(a.Name, out var arch))
                throw new PolicyException(a.Location, $"unknown architecture '{Names.Quote(a.Name)}' (expected x86_64 or aarch64)");
            if (!seen.Add(arch)) throw new PolicyException(a.Location, $"architecture {Arches.Name(arch)} is listed twice");
        }
        return seen.Contains(target);
    }

    private (uint Number, string Name, Syscall? Syscall) ResolveSyscall(SyscallSyntax syntax)
    {
        if (syntax is NumberedSyscall numbered)
        {
            uint n = SyscallNumber(Constant(numbered.Number), $"syscall number {(long)Constant(numbered.Number)}", numbered.Number.Location);
            var known = n <= int.MaxValue ? _table.ByNumber((int)n) : null;
            return (n, known?.Name ?? $"SYSCALL[{n}]", known);
        }
        var named = (NamedSyscall)syntax;
        if (_defines.TryGetValue(named.Name, out var define))
        {
            uint n = SyscallNumber(define.Value, $"'{Names.Quote(named.Name)}' = {(long)define.Value}", named.Location);
            var known = n <= int.MaxValue ? _table.ByNumber((int)n) : null;
            return (n, named.Name, known);
        }
        if (_table.TryLookup(named.Name, out var syscall))
        {
            if (syscall.Name != named.Name && !SyscallAliases.IsKafels(named.Name))
                _dialect.Extension(named.Location, $"the name '{named.Name}' (kafel knows this syscall as {syscall.Name})");
            return ((uint)syscall.Number, syscall.Name, syscall);
        }
        var nearest = _table.NearestNames(named.Name);
        string hint = nearest.Count > 0 ? $"; did you mean {string.Join(", ", nearest)}?" : "";
        throw new PolicyException(named.Location, $"unknown syscall '{Names.Quote(named.Name)}' on {Arches.Name(_arch)}{hint}");
    }

    /// <summary>seccomp_data.nr is a 32-bit int: a number is taken as unsigned or, as kafel does with
    /// SYSCALL[-1], as a negative int; anything wider would be cut, so it is an error.</summary>
    private static uint SyscallNumber(ulong value, string what, SourceLocation at) =>
        value <= uint.MaxValue || value >= 0xFFFF_FFFF_8000_0000
            ? unchecked((uint)value)
            : throw new PolicyException(at, $"{what} is not a syscall number: expected 0..4294967295 or -2147483648..-1");

    private ulong Constant(ValueSyntax value) => value switch
    {
        NumberValue n => n.Value,
        NamedValue { Name: var name } v => _defines.TryGetValue(name, out var d)
            ? d.Value
            : throw new PolicyException(v.Location, $"undefined constant '{Names.Quote(name)}' (a #define must come before its use)"),
        _ => throw new ArgumentOutOfRangeException(nameof(value)),
    };
}
