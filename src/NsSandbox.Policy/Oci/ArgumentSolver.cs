namespace NsSandbox.Policy.Oci;

/// <summary>Finds arguments that satisfy a set of comparisons, or proves there are none. Each argument is
/// constrained on its own (comparisons never relate two arguments), so per argument this is: an interval from
/// the orderings and equalities, bits fixed by the masked equalities, and the few values != excludes; the smallest
/// value in the interval with the fixed bits that is not excluded. Used to tell whether two rules of different
/// actions can both match one call, and to show such a call.</summary>
public static class ArgumentSolver
{
    /// <summary>Six argument values for which every comparison holds, or null when no call satisfies them all.</summary>
    public static ulong[]? SolveCall(IEnumerable<OciArgument> comparisons)
    {
        var byIndex = comparisons.ToLookup(c => c.Index);
        var values = new ulong[6];
        for (uint index = 0; index < 6; index++)
        {
            if (SolveArgument(byIndex[index]) is not { } value) return null;
            values[index] = value;
        }
        return values;
    }

    /// <summary>The smallest value for which every comparison holds, or null.</summary>
    public static ulong? SolveArgument(IEnumerable<OciArgument> comparisons)
    {
        ulong low = 0, high = ulong.MaxValue, fixedMask = 0, fixedBits = 0;
        var excluded = new HashSet<ulong>();
        foreach (var c in comparisons)
        {
            switch (c.Op)
            {
                case ScmpOperator.Equal: (low, high) = (Math.Max(low, c.Value), Math.Min(high, c.Value)); break;
                case ScmpOperator.NotEqual: excluded.Add(c.Value); break;
                case ScmpOperator.Less when c.Value == 0: return null;
                case ScmpOperator.Less: high = Math.Min(high, c.Value - 1); break;
                case ScmpOperator.LessOrEqual: high = Math.Min(high, c.Value); break;
                case ScmpOperator.Greater when c.Value == ulong.MaxValue: return null;
                case ScmpOperator.Greater: low = Math.Max(low, c.Value + 1); break;
                case ScmpOperator.GreaterOrEqual: low = Math.Max(low, c.Value); break;
                default:
                    // (x & mask) == (bits & mask): impossible when a bit disagrees with one fixed before.
                    ulong bits = c.ValueTwo & c.Value;
                    if (((fixedBits ^ bits) & fixedMask & c.Value) != 0) return null;
                    fixedMask |= c.Value;
                    fixedBits |= bits;
                    break;
            }
        }
        if (low > high) return null;
        ulong? candidate = SmallestWithBits(low, fixedMask, fixedBits);
        // Each excluded value can push the candidate on once.
        while (candidate is { } x && x <= high && excluded.Contains(x))
            candidate = x == ulong.MaxValue ? null : SmallestWithBits(x + 1, fixedMask, fixedBits);
        return candidate is { } found && found <= high ? found : null;
    }

    /// <summary>The smallest y &gt;= low with (y &amp; mask) == bits (bits within mask), or null. Either low itself, or low
    /// raised at its lowest possible 0 bit: keep low above bit i, set bit i, and below it only the fixed bits.</summary>
    public static ulong? SmallestWithBits(ulong low, ulong mask, ulong bits)
    {
        if ((low & mask) == bits) return low;
        for (int i = 0; i < 64; i++)
        {
            ulong bit = 1UL << i;
            ulong above = i == 63 ? 0 : ~((bit << 1) - 1);
            if ((low & bit) != 0 || ((mask & bit) != 0 && (bits & bit) == 0)) continue;
            if ((low & above & mask) != (bits & above)) continue;
            return (low & above) | bit | (bits & (bit - 1));
        }
        return null;
    }
}
