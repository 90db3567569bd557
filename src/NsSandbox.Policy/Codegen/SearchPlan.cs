using NsSandbox.Policy.Semantics;

namespace NsSandbox.Policy.Codegen;

/// <summary>One number tested on its own (jeq) before the leaf's own decision.</summary>
public sealed record Peel(uint Number, SyscallDecision Decision);

/// <summary>A leaf of the search: the numbers from Start to the next leaf's start, decided by Decision, except
/// the Peels.</summary>
public sealed record Leaf(ulong Start, SyscallDecision Decision, IReadOnlyList<Peel> Peels);

/// <summary>Cuts the number space [0, 2^32) into leaves for the search. Neighbouring numbers that decide alike
/// share a range; a range of one number between two ranges that decide alike is peeled: one jeq instead of
/// the two range boundaries it would cost, its neighbours merged. A leaf holds at most
/// <see cref="MaxPeelsPerLeaf"/> peels, so no call waits behind a long chain of them.</summary>
public static class SearchPlan
{
    public const int MaxPeelsPerLeaf = 2;

    private const ulong Top = 1UL << 32;

    /// <summary>The leaves for the numbers that reach the search (on x86_64, x32 numbers no rule names do not).</summary>
    public static List<Leaf> Leaves(ResolvedPolicy policy) =>
        Cut(Peel(Ranges(policy).Select(r => new Leaf(r.Start, r.Decision, [])).ToList()));

    /// <summary>The number space as ranges of equal decision.</summary>
    private static List<(ulong Start, SyscallDecision Decision)> Ranges(ResolvedPolicy policy)
    {
        var ranges = new List<(ulong Start, SyscallDecision Decision)>();
        var byDefault = new SyscallDecision([], policy.Default);
        void Add(ulong start, SyscallDecision decision)
        {
            if (ranges.Count > 0 && ranges[^1].Start == start) ranges.RemoveAt(ranges.Count - 1);
            if (ranges.Count > 0 && ranges[^1].Decision.SameAs(decision)) return;
            ranges.Add((start, decision));
        }
        // Numbers no rule names: the default, or above Newer.Above Newer's action.
        ulong newerStart = policy.Newer is { } n ? (ulong)n.Above + 1 : Top;
        var byNewer = new SyscallDecision([], policy.Newer?.Action ?? policy.Default);
        void Gap(ulong from, ulong to)
        {
            if (from < newerStart) Add(from, byDefault);
            if (to > newerStart) Add(Math.Max(from, newerStart), byNewer);
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

    private static List<Leaf> Peel(List<Leaf> leaves)
    {
        var result = new List<Leaf>(leaves.Count);
        for (int i = 0; i < leaves.Count; i++)
        {
            var leaf = leaves[i];
            bool single = i + 1 < leaves.Count && leaves[i + 1].Start == leaf.Start + 1 && leaf.Peels.Count == 0;
            if (single && result.Count > 0 && result[^1].Decision.SameAs(leaves[i + 1].Decision))
            {
                var before = result[^1];
                var after = leaves[i + 1];
                result[^1] = before with { Peels = [.. before.Peels, new Peel((uint)leaf.Start, leaf.Decision), .. after.Peels] };
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
                result.Add(leaf with
                {
                    Start = p == 0 ? leaf.Start : leaf.Peels[p].Number,
                    Peels = leaf.Peels.Skip(p).Take(MaxPeelsPerLeaf).ToList(),
                });
        }
        return result;
    }
}
