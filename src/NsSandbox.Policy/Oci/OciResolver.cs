using NsSandbox.Policy.Semantics;
using NsSandbox.Policy.Syntax;
using NsSandbox.Policy.Syscalls;

namespace NsSandbox.Policy.Oci;

/// <summary>Turns a runtime-spec profile into the <see cref="ResolvedPolicy"/> the code generator compiles, with the
/// meaning runc gives it through libseccomp (docs/seccomp.md, "OCI and Docker profiles"):
/// <list type="bullet">
/// <item>names are looked up in the host's syscall table by the table's (unistd.h's, libseccomp's) names; a name
/// the architecture does not have is skipped;</item>
/// <item>a rule whose action is the default's is dropped, as runc drops it;</item>
/// <item>the comparisons of one rule AND; the rules of one syscall OR; a rule without comparisons decides its
/// syscall alone, as libseccomp builds it; two rules of different actions that can match the same call are
/// refused, because libseccomp decides those by the shape of its internal tree (or refuses them itself);</item>
/// <item>comparisons are on all 64 bits, unsigned;</item>
/// <item>with the host's architecture listed and a default that denies, a call numbered above every syscall the
/// profile names answers ENOSYS (runc's stub, so libc falls back from calls newer than the profile).</item>
/// </list></summary>
public static class OciResolver
{
    public const ushort Enosys = 38;

    public sealed record Result(ResolvedPolicy Policy, uint FilterFlags, IReadOnlyList<Located<string>> SkippedNames, IReadOnlyList<string> Notes);

    public static Result Resolve(OciSeccomp profile, Arch arch)
    {
        var notes = new List<string>();
        var defaultAction = profile.DefaultAction.ToPolicyAction();
        if (profile.DefaultAction.Kind == ScmpAction.Notify)
            throw new PolicyException(profile.DefaultAction.At,
                "defaultAction: SCMP_ACT_NOTIFY cannot be the default (runc refuses it too: every call would wait for the agent)");
        CheckArchitectures(profile, arch, notes);
        uint flags = Flags(profile, notes);

        var table = SyscallTable.For(arch);
        var byNumber = new SortedDictionary<uint, List<(OciSyscallRule Rule, Located<string> Name)>>();
        var skipped = new List<Located<string>>();
        uint highest = 0;
        foreach (var rule in profile.Syscalls)
        {
            bool redundant = rule.Action.ToPolicyAction() == defaultAction;
            foreach (var name in rule.Names)
            {
                if (!table.TryLookupTableName(name.Value, out var syscall))
                {
                    skipped.Add(name);
                    continue;
                }
                highest = Math.Max(highest, (uint)syscall.Number);
                if (redundant) continue;
                if (!byNumber.TryGetValue((uint)syscall.Number, out var list)) byNumber[(uint)syscall.Number] = list = [];
                list.Add((rule, name));
            }
        }
        flags |= Listener(profile, flags, notes);

        var rules = new List<ResolvedRule>();
        foreach (var (number, entries) in byNumber) rules.AddRange(RulesOf(number, entries, notes));
        var policy = new ResolvedPolicy(arch, rules, defaultAction, profile.DefaultAction.At) { Newer = Newer(profile, arch, defaultAction, highest) };
        return new Result(policy, flags, skipped, notes);
    }

    /// <summary>runc's stub applies where the profile lists the host's architecture and its default is neither
    /// ALLOW, LOG nor TRACE, above the highest syscall the profile names (none when that is syscall 0).</summary>
    public static NewerCalls? Newer(OciSeccomp profile, Arch arch, PolicyAction defaultAction, uint highest)
    {
        bool listed = profile.Architectures.Any(a => a.Value == ScmpNames.ArchitectureName(arch));
        bool permissive = defaultAction.Kind is ActionKind.Allow or ActionKind.Log or ActionKind.Trace;
        return listed && !permissive && highest > 0 ? new NewerCalls(highest, new PolicyAction(ActionKind.Errno, Enosys)) : null;
    }

    private static IEnumerable<ResolvedRule> RulesOf(uint number, List<(OciSyscallRule Rule, Located<string> Name)> entries, List<string> notes)
    {
        // libseccomp: a rule without comparisons takes the whole syscall; the first such rule wins.
        if (entries.FirstOrDefault(e => e.Rule.Args.Count == 0) is { Rule: not null } whole)
        {
            var action = whole.Rule.Action.ToPolicyAction();
            var overridden = entries.Where(e => e.Rule.Action.ToPolicyAction() != action).Select(e => e.Rule).Distinct().ToList();
            if (overridden.Count > 0)
                notes.Add($"{whole.Name.Value}: {whole.Rule.Label} ({whole.Rule.Action}) has no args, so it decides every call, and " +
                    $"{string.Join(", ", overridden.Select(r => $"{r.Label} ({r.Action})"))} never {(overridden.Count == 1 ? "does" : "do")}, as libseccomp builds it");
            yield return new ResolvedRule(number, whole.Name.Value, action, null, whole.Name.At);
            yield break;
        }
        CheckExclusive(entries);
        foreach (var (rule, name) in entries)
            yield return new ResolvedRule(number, name.Value, rule.Action.ToPolicyAction(), Condition(rule.Args), name.At);
    }

    /// <summary>Rules of one syscall with different actions must not both match a call.</summary>
    private static void CheckExclusive(List<(OciSyscallRule Rule, Located<string> Name)> entries)
    {
        for (int j = 1; j < entries.Count; j++)
            for (int i = 0; i < j; i++)
            {
                var (a, b) = (entries[i].Rule, entries[j].Rule);
                if (a.Action.ToPolicyAction() == b.Action.ToPolicyAction() || ArgumentSolver.SolveCall(a.Args.Concat(b.Args)) is not { } call)
                    continue;
                string name = entries[j].Name.Value;
                throw new PolicyException(b.Action.At,
                    $"{b.Label}: {name} gets {b.Action} here and {a.Action} from {a.Label} at {a.At.Line}:{a.At.Column}, and both match " +
                    $"{name}({string.Join(", ", call.Select(v => $"0x{v:x}"))}): libseccomp decides such a call by the shape of its tree, " +
                    "or refuses the rule, so nssandbox refuses it; make the args exclusive, or give both the same action");
            }
    }

    /// <summary>The AND of the rule's comparisons, on 64 bits; null for none.</summary>
    public static Condition? Condition(IReadOnlyList<OciArgument> args)
    {
        if (args.Count == 0) return null;
        var conditions = args.Select(Comparison).ToList();
        return conditions.Count == 1 ? conditions[0] : new LogicalCondition(LogicalOperator.And, conditions);
    }

    private static Condition Comparison(OciArgument arg)
    {
        var argument = new ArgumentOperand((int)arg.Index, Is32Bit: false);
        if (arg.Op != ScmpOperator.MaskedEqual)
            return new Comparison(argument, Operator(arg.Op), new ConstantOperand(arg.Value), false, arg.At);
        // libseccomp masks the datum too: bits outside the mask do not count, and no mask at all always matches.
        ulong mask = arg.Value, bits = arg.ValueTwo & mask;
        if (mask == 0) return new ConstantCondition(true);
        Operand left = mask == ulong.MaxValue ? argument : new BitOperand(BitOperator.And, [argument, new ConstantOperand(mask)]);
        return new Comparison(left, ComparisonOperator.Equal, new ConstantOperand(bits), false, arg.At);
    }

    private static ComparisonOperator Operator(ScmpOperator op) => op switch
    {
        ScmpOperator.NotEqual => ComparisonOperator.NotEqual,
        ScmpOperator.Less => ComparisonOperator.Less,
        ScmpOperator.LessOrEqual => ComparisonOperator.LessOrEqual,
        ScmpOperator.Equal => ComparisonOperator.Equal,
        ScmpOperator.GreaterOrEqual => ComparisonOperator.GreaterOrEqual,
        _ => ComparisonOperator.Greater,
    };

    private static void CheckArchitectures(OciSeccomp profile, Arch arch, List<string> notes)
    {
        foreach (var a in profile.Architectures)
            if (!ScmpNames.Architectures.Contains(a.Value))
                throw new PolicyException(a.At, $"architectures: unknown architecture \"{a.Value}\" (expected {ScmpNames.List(ScmpNames.Architectures.Order(StringComparer.Ordinal))})");
        string native = ScmpNames.ArchitectureName(arch);
        var others = profile.Architectures.Select(a => a.Value).Where(a => a != native).Distinct().ToList();
        if (others.Count > 0)
            notes.Add($"architectures: {string.Join(", ", others)} not compiled: the filter decides {native} calls only, and a call " +
                "through another ABI (i386's int 0x80, x32's numbers) kills the process");
    }

    private static uint Flags(OciSeccomp profile, List<string> notes)
    {
        uint flags = 0;
        foreach (var flag in profile.Flags)
        {
            if (!ScmpNames.Flags.TryGetValue(flag.Value, out uint bit))
                throw new PolicyException(flag.At, $"flags: unknown flag \"{flag.Value}\" (expected {ScmpNames.List(ScmpNames.Flags.Keys)})");
            if (bit == ScmpNames.FlagTsync)
            {
                notes.Add("flags: SECCOMP_FILTER_FLAG_TSYNC is not passed: the filter is loaded by a process of one thread, so " +
                    "there is no other thread to synchronise (runc does not pass it either)");
                continue;
            }
            flags |= bit;
        }
        return flags;
    }

    /// <summary>SECCOMP_FILTER_FLAG_NEW_LISTENER when a rule notifies; the listener's fields checked as runc does.</summary>
    private static uint Listener(OciSeccomp profile, uint flags, List<string> notes)
    {
        var notify = profile.Syscalls.FirstOrDefault(r => r.Action.Kind == ScmpAction.Notify);
        if (profile.ListenerMetadata is { } metadata && profile.ListenerPath is null)
            throw new PolicyException(metadata.At, "listenerMetadata: given without listenerPath (runtime-spec: it must not be)");
        if ((flags & ScmpNames.FlagWaitKillableRecv) != 0 && notify is null)
            throw new PolicyException(profile.Flags.First(f => f.Value == "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV").At,
                "flags: SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV needs a rule with SCMP_ACT_NOTIFY (the kernel refuses it without a listener)");
        if (notify is null)
        {
            if (profile.ListenerPath is not null) notes.Add("listenerPath: no rule uses SCMP_ACT_NOTIFY, so no listener is created");
            return 0;
        }
        if (profile.ListenerPath is null)
            throw new PolicyException(notify.Action.At, $"{notify.Label}: SCMP_ACT_NOTIFY needs listenerPath, the socket of the agent that answers the calls");
        return ScmpNames.FlagNewListener;
    }
}
