using NsSandbox.Policy.Semantics;
using NsSandbox.Policy.Syscalls;

namespace NsSandbox.Policy.Codegen;

/// <summary>The shape of the search over the leaves: each split balances the leaves' weights, and read and write
/// weigh more than everything else together, so they sit next to the root. Where that still takes more
/// comparisons than a jeq per hot call ahead of the search would (the old layout, and libseccomp's), the hot
/// call gets that jeq: a root peel.</summary>
public sealed class SearchTree
{
    /// <summary>The hottest calls of most programs, hottest first; the first two have a budget of comparisons.</summary>
    private static readonly string[] HotCalls = ["read", "write", "futex"];

    private const int Budgeted = 2;

    private long[] _prefix = []; // _prefix[i]: weight of leaves [0, i)
    private readonly List<Leaf> _leaves;
    private readonly uint _futex;

    public SearchTree(ResolvedPolicy policy, List<Leaf> leaves)
    {
        _leaves = leaves;
        var table = SyscallTable.For(policy.Arch);
        var hot = HotCalls.Select(name => table.TryLookup(name, out var s) ? (uint?)s.Number : null).OfType<uint>().ToList();
        _futex = table.TryLookup("futex", out var futex) ? (uint)futex.Number : uint.MaxValue;
        Weigh(hot);
        // Each hot call may take as many comparisons after x86_64's x32 jset as the old layout gave it: one jeq per
        // hot call up to it. One that takes more, with an action of its own, gets its jeq before the search.
        var budget = hot.Select((n, i) => (n, i < Budgeted ? i + 1 : int.MaxValue)).ToDictionary();
        while (hot.FirstOrDefault(n => Eligible(n, policy) && RootPeels.Count + Comparisons(n) > budget[n], uint.MaxValue) is var number
            && number != uint.MaxValue)
        {
            RootPeels.Add((number, DecisionAt(number)));
            hot.Remove(number);
            // Decided before the search: in its leaf the number no longer matters.
            int leaf = LeafOf(number);
            _leaves[leaf] = _leaves[leaf] with { Peels = _leaves[leaf].Peels.Where(p => p.Number != number).ToList() };
            Weigh(hot);
        }
        RootPeels.Sort((a, b) => budget[a.Number].CompareTo(budget[b.Number]));
    }

    private bool Eligible(uint number, ResolvedPolicy policy) =>
        DecisionAt(number) is { IsPlain: true } d && d.Fallback != policy.Default;

    public IReadOnlyList<Leaf> Leaves => _leaves;

    private void Weigh(List<uint> hot)
    {
        var weights = _leaves.Select(l => 1L + l.Peels.Count).ToArray();
        long total = weights.Sum();
        // read and write weigh as much as all other calls together, futex half that.
        for (int h = 0; h < hot.Count; h++) weights[LeafOf(hot[h])] += hot[h] == _futex ? total / 2 + 1 : total + 1;
        _prefix = new long[_leaves.Count + 1];
        for (int i = 0; i < _leaves.Count; i++) _prefix[i + 1] = _prefix[i] + weights[i];
    }

    /// <summary>Numbers tested with jeq before the search, in order.</summary>
    public List<(uint Number, SyscallDecision Decision)> RootPeels { get; } = [];

    /// <summary>Where leaves [from, to) split: the leaf that starts the upper part.</summary>
    public int Split(int from, int to)
    {
        long half = (_prefix[from] + _prefix[to]) / 2;
        int lo = from + 1, hi = to - 1;
        while (lo < hi)
        {
            int mid = (lo + hi) / 2;
            if (_prefix[mid] < half) lo = mid + 1;
            else hi = mid;
        }
        // lo is the first split whose lower part weighs at least half; the one before may balance better.
        if (lo > from + 1 && half - _prefix[lo - 1] < _prefix[lo] - half) lo--;
        return lo;
    }

    private int LeafOf(uint number)
    {
        int i = Leaves.Count - 1;
        while (Leaves[i].Start > number) i--;
        return i;
    }

    private SyscallDecision DecisionAt(uint number)
    {
        var leaf = Leaves[LeafOf(number)];
        return leaf.Peels.FirstOrDefault(p => p.Number == number)?.Decision ?? leaf.Decision;
    }

    /// <summary>The comparisons the search makes before it reaches number's decision.</summary>
    private int Comparisons(uint number)
    {
        int target = LeafOf(number), depth = 0, from = 0, to = Leaves.Count;
        while (to - from > 1)
        {
            int middle = Split(from, to);
            if (target >= middle) from = middle;
            else to = middle;
            depth++;
        }
        // A peel waits for the peels before it; the leaf's own numbers for all of them.
        var leaf = Leaves[target];
        int peel = Enumerable.Range(0, leaf.Peels.Count).FirstOrDefault(i => leaf.Peels[i].Number == number, -1);
        return depth + (peel >= 0 ? peel + 1 : leaf.Peels.Count);
    }
}
