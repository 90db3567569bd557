using NsSandbox.Policy.Semantics;
using NsSandbox.Policy.Syscalls;

namespace NsSandbox.Policy.Codegen;

/// <summary>One number tested on its own (jeq) before the leaf's own decision.</summary>
public sealed record Peel(uint Number, SyscallDecision Decision);

/// <summary>A leaf of the search: the numbers from Start to the next leaf's start, decided by Decision, except
/// the Peels. X32: numbers with bit 30 set are killed (x86_64's x32 check, one jset where the leaf reaches
/// the top of the number space).</summary>
public sealed record Leaf(ulong Start, SyscallDecision Decision, IReadOnlyList<Peel> Peels, bool X32);

/// <summary>Cuts the number space [0, 2^32) into leaves for the search. Neighbouring numbers that decide alike
/// share a range; a range of one number between two ranges that decide alike is peeled: one jeq instead of
/// the two range boundaries it would cost, its neighbours merged. A leaf holds at most
/// <see cref="MaxPeelsPerLeaf"/> peels, so no call waits behind a long chain of them.</summary>
public static class SearchPlan
{
    public const int MaxPeelsPerLeaf = 2;

    private const ulong Top = 1UL << 32;
    private static readonly ulong[] X32Edges = [0x4000_0000, 0x8000_0000, 0xC000_0000];

    public static List<Leaf> Leaves(ResolvedPolicy policy)
    {
        var leaves = Ranges(policy).Select(r => new Leaf(r.Start, r.Decision, [], false)).ToList();
        if (policy.Arch == Arch.X86_64) CollapseX32(leaves);
        return Cut(Peel(leaves));
    }

    /// <summary>The number space as ranges of equal decision. On x86_64 a number with the x32 bit that no rule
    /// names is killed: [2^30, 2^31) and [3 * 2^30, 2^32) decide KILL_PROCESS between the rules.</summary>
    private static List<(ulong Start, SyscallDecision Decision)> Ranges(ResolvedPolicy policy)
    {
        var ranges = new List<(ulong Start, SyscallDecision Decision)>();
        var byDefault = new SyscallDecision([], policy.Default);
        var killed = new SyscallDecision([], PolicyAction.KillProcess);
        void Add(ulong start, SyscallDecision decision)
        {
            if (ranges.Count > 0 && ranges[^1].Start == start) ranges.RemoveAt(ranges.Count - 1);
            if (ranges.Count > 0 && ranges[^1].Decision.SameAs(decision)) return;
            ranges.Add((start, decision));
        }
        void Gap(ulong from, ulong to)
        {
            Add(from, policy.Arch == Arch.X86_64 && (from & Arches.X32SyscallBit) != 0 ? killed : byDefault);
            if (policy.Arch != Arch.X86_64) return;
            foreach (ulong edge in X32Edges)
                if (edge > from && edge < to) Add(edge, (edge & Arches.X32SyscallBit) != 0 ? killed : byDefault);
        }
        ulong next = 0;
        foreach (var group in policy.Rules.GroupBy(r => r.Number).OrderBy(g => g.Key))
        {
            if (group.Key > next) Gap(next, group.Key);
            Add(group.Key, SyscallDecision.For(group, policy.Default));
            next = (ulong)group.Key + 1;
        }
        if (next < Top) Gap(next, Top);
        return ranges;
    }

    /// <summary>The usual top of the space, default / killed / default / killed from the last rule up, becomes
    /// one leaf with a jset on the x32 bit.</summary>
    private static void CollapseX32(List<Leaf> leaves)
    {
        if (leaves.Count < 4) return;
        var tail = leaves[^4..];
        if (tail[0].Start >= X32Edges[0] || tail[1].Start != X32Edges[0] || tail[2].Start != X32Edges[1] || tail[3].Start != X32Edges[2]) return;
        if (!tail[0].Decision.SameAs(tail[2].Decision) || !tail[1].Decision.SameAs(tail[3].Decision)) return;
        leaves.RemoveRange(leaves.Count - 4, 4);
        leaves.Add(tail[0] with { X32 = true });
    }

    private static List<Leaf> Peel(List<Leaf> leaves)
    {
        var result = new List<Leaf>(leaves.Count);
        for (int i = 0; i < leaves.Count; i++)
        {
            var leaf = leaves[i];
            bool single = i + 1 < leaves.Count && leaves[i + 1].Start == leaf.Start + 1 && leaf.Peels.Count == 0 && !leaf.X32;
            if (single && result.Count > 0 && result[^1].Decision.SameAs(leaves[i + 1].Decision))
            {
                var before = result[^1];
                var after = leaves[i + 1];
                result[^1] = before with
                {
                    Peels = [.. before.Peels, new Peel((uint)leaf.Start, leaf.Decision), .. after.Peels],
                    X32 = before.X32 || after.X32,
                };
                i++;
                continue;
            }
            result.Add(leaf);
        }
        return result;
    }

    /// <summary>Splits leaves with more peels than allowed at the peels' numbers.</summary>
    private static List<Leaf> Cut(List<Leaf> leaves)
    {
        var result = new List<Leaf>(leaves.Count);
        foreach (var leaf in leaves)
        {
            if (leaf.Peels.Count <= MaxPeelsPerLeaf)
            {
                result.Add(leaf);
                continue;
            }
            for (int p = 0; p < leaf.Peels.Count; p += MaxPeelsPerLeaf)
            {
                bool last = p + MaxPeelsPerLeaf >= leaf.Peels.Count;
                result.Add(leaf with
                {
                    Start = p == 0 ? leaf.Start : leaf.Peels[p].Number,
                    Peels = leaf.Peels.Skip(p).Take(MaxPeelsPerLeaf).ToList(),
                    X32 = leaf.X32 && last,
                });
            }
        }
        return result;
    }
}
