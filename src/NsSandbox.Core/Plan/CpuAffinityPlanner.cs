namespace NsSandbox.Core.Plan;

/// <summary>nsjail's --max_cpus: the sandbox runs on that many of the CPUs the launcher may use, picked at
/// random (so concurrent sandboxes spread out), or on all of them when it asks for as many or more.</summary>
public static class CpuAffinityPlanner
{
    /// <summary>A cpu_set_t holding the chosen CPUs, in whole 8-byte words; null for no change.</summary>
    public static byte[]? Mask(uint maxCpus, IReadOnlyList<int> available, Random random)
    {
        if (maxCpus == 0 || maxCpus >= available.Count) return null;
        var pool = available.ToList();
        var mask = new byte[(pool.Max() / 64 + 1) * 8];
        for (uint i = 0; i < maxCpus; i++)
        {
            int pick = random.Next(pool.Count);
            int cpu = pool[pick];
            pool.RemoveAt(pick);
            mask[cpu / 8] |= (byte)(1 << (cpu % 8));
        }
        return mask;
    }

    /// <summary>The CPUs a mask holds (for the report and tests).</summary>
    public static IReadOnlyList<int> Cpus(byte[] mask) =>
        Enumerable.Range(0, mask.Length * 8).Where(cpu => (mask[cpu / 8] & (1 << (cpu % 8))) != 0).ToList();
}
