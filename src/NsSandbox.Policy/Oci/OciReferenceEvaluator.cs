using NsSandbox.Policy.Bpf;
using NsSandbox.Policy.Semantics;
using NsSandbox.Policy.Syscalls;

namespace NsSandbox.Policy.Oci;

/// <summary>The action for one call and what decided it: a syscalls entry (and the name in it), the default, or a
/// check before any rule.</summary>
public sealed record OciDecision(PolicyAction Action, string Reason, OciSyscallRule? Rule = null, Located<string>? Name = null);

/// <summary>Decides a call straight from a profile in runtime-spec form, entry by entry, with the meaning
/// <see cref="OciResolver"/> gives it but none of its machinery: what the compiled program must return.
/// Tests compare the two on many calls; <c>policy explain --oci</c> names the deciding entry with it.</summary>
public static class OciReferenceEvaluator
{
    public static OciDecision Decide(OciSeccomp profile, Arch arch, SeccompInput call)
    {
        if (call.Arch != Arches.AuditArch(arch))
            return new(PolicyAction.KillProcess, $"the call's architecture is not {ScmpNames.ArchitectureName(arch)}, the only one compiled");
        uint nr = (uint)call.Nr;
        if (arch == Arch.X86_64 && (nr & Arches.X32SyscallBit) != 0)
            return new(PolicyAction.KillProcess, "an x32 call (bit 30 of the number): SCMP_ARCH_X32 is not compiled");
        var table = SyscallTable.For(arch);
        var byDefault = profile.DefaultAction.ToPolicyAction();
        uint highest = 0;
        var named = new List<(OciSyscallRule Rule, Located<string> Name)>();
        foreach (var rule in profile.Syscalls)
            foreach (var name in rule.Names)
            {
                if (!table.TryLookupTableName(name.Value, out var syscall)) continue;
                highest = Math.Max(highest, (uint)syscall.Number);
                // runc leaves out a rule whose action is the default's.
                if ((uint)syscall.Number == nr && rule.Action.ToPolicyAction() != byDefault) named.Add((rule, name));
            }
        var defaultDecision = new OciDecision(byDefault, $"defaultAction at {profile.DefaultAction.At.Line}:{profile.DefaultAction.At.Column}");
        if (named.Count == 0)
            return OciResolver.Newer(profile, arch, byDefault, highest) is { } newer && nr > newer.Above
                ? new(newer.Action, $"a number above {newer.Above}, the highest syscall the profile names: ENOSYS, as runc answers calls newer than the profile")
                : defaultDecision;
        // A rule without args decides every call of its syscall; the first one does.
        if (named.FirstOrDefault(n => n.Rule.Args.Count == 0) is { Rule: not null } whole)
            return Of(whole, "it has no args");
        Span<ulong> args = [call.Arg0, call.Arg1, call.Arg2, call.Arg3, call.Arg4, call.Arg5];
        var matching = new List<(OciSyscallRule Rule, Located<string> Name)>();
        foreach (var entry in named)
            if (entry.Rule.Matches(args)) matching.Add(entry);
        if (matching.Count == 0) return defaultDecision with { Reason = defaultDecision.Reason + " (no rule's args match)" };
        if (matching.Select(m => m.Rule.Action.ToPolicyAction()).Distinct().Count() > 1)
            throw new InvalidOperationException($"{matching[0].Rule.Label} and {matching[1].Rule.Label} decide differently: the compiler refuses such a profile");
        return Of(matching[0], "its args match");
    }

    private static OciDecision Of((OciSyscallRule Rule, Located<string> Name) entry, string why) =>
        new(entry.Rule.Action.ToPolicyAction(),
            $"{entry.Rule.Label} at {entry.Name.At.Line}:{entry.Name.At.Column} ({entry.Name.Value}, {entry.Rule.Action}): {why}",
            entry.Rule, entry.Name);
}
