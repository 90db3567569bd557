using System.Collections.Frozen;
using NsSandbox.Policy.Syscalls.Generated;

namespace NsSandbox.Policy.Syscalls;

/// <summary>
/// The system calls of one architecture, generated from the kernel's own tables (see docs/syscall-tables.md).
/// Lookups accept the canonical names and the aliases listed for the architecture.
/// </summary>
public sealed class SyscallTable
{
    private static readonly SyscallTable X86_64Table = Build(Arch.X86_64, X86_64Syscalls.KernelVersion,
        X86_64Syscalls.Entries(), X86_64Syscalls.Aliases());
    private static readonly SyscallTable Aarch64Table = Build(Arch.Aarch64, Aarch64Syscalls.KernelVersion,
        Aarch64Syscalls.Entries(), Aarch64Syscalls.Aliases());

    private readonly FrozenDictionary<string, Syscall> byName;
    private readonly FrozenDictionary<int, Syscall> byNumber;
    private readonly FrozenDictionary<string, Syscall> byTableName;

    private SyscallTable(Arch arch, string kernelVersion, Syscall[] all, FrozenDictionary<string, Syscall> byName,
        FrozenDictionary<string, Syscall> byTableName)
    {
        Arch = arch;
        KernelVersion = kernelVersion;
        All = all;
        this.byName = byName;
        this.byTableName = byTableName;
        byNumber = all.ToFrozenDictionary(s => s.Number);
    }

    public static SyscallTable For(Arch arch) => arch switch
    {
        Arch.X86_64 => X86_64Table,
        Arch.Aarch64 => Aarch64Table,
        _ => throw new ArgumentOutOfRangeException(nameof(arch)),
    };

    public Arch Arch { get; }

    /// <summary>The kernel release the table was generated from.</summary>
    public string KernelVersion { get; }

    /// <summary>Every syscall, sorted by number.</summary>
    public IReadOnlyList<Syscall> All { get; }

    /// <summary>Every accepted name (canonical names and aliases), sorted.</summary>
    public IEnumerable<string> Names => byName.Keys.Order(StringComparer.Ordinal);

    /// <summary>Finds a syscall by canonical name or alias; the result always carries the canonical name.</summary>
    public bool TryLookup(string name, out Syscall syscall) => byName.TryGetValue(name, out syscall!);

    public Syscall? ByNumber(int number) => byNumber.GetValueOrDefault(number);

    /// <summary>Finds a syscall by the name the kernel's syscall table gives it, which is unistd.h's __NR_ name and
    /// libseccomp's: "uname" and "umount2" on x86_64, but neither the entry point "newuname" nor "umount" (x86_64
    /// has no such call). OCI seccomp profiles name syscalls this way; the result carries the canonical name.</summary>
    public bool TryLookupTableName(string name, out Syscall syscall) => byTableName.TryGetValue(name, out syscall!);

    /// <summary>
    /// Up to <paramref name="max"/> accepted names closest to <paramref name="name"/> by edit distance, nearest
    /// first (ties by name), and only those close enough to be a plausible typo.
    /// </summary>
    public IReadOnlyList<string> NearestNames(string name, int max = 3)
    {
        var limit = Math.Max(2, name.Length / 3);
        // Names whose lengths differ by more than the limit cannot be close: skipping them keeps a huge name cheap.
        return byName.Keys
            .Where(candidate => Math.Abs(candidate.Length - name.Length) <= limit)
            .Select(candidate => (candidate, distance: EditDistance.Between(name, candidate)))
            .Where(c => c.distance <= limit)
            .OrderBy(c => c.distance).ThenBy(c => c.candidate, StringComparer.Ordinal)
            .Take(Math.Max(0, max))
            .Select(c => c.candidate)
            .ToArray();
    }

    private static SyscallTable Build(Arch arch, string kernelVersion, Syscall[] entries,
        (string Alias, string Canonical)[] aliases)
    {
        Array.Sort(entries, (a, b) => a.Number.CompareTo(b.Number));
        var names = new Dictionary<string, Syscall>(StringComparer.Ordinal);
        foreach (var s in entries) names.Add(s.Name, s);
        // The generated aliases are the table's names where they differ from the entry point's.
        var tableNames = new Dictionary<string, Syscall>(names, StringComparer.Ordinal);
        foreach (var (alias, canonical) in aliases)
        {
            tableNames.Remove(canonical);
            tableNames.Add(alias, names[canonical]);
        }
        foreach (var (alias, canonical) in aliases.Concat(SyscallAliases.All))
        {
            // An alias never shadows a real name, and one whose target is absent on this arch is simply unknown.
            if (!names.ContainsKey(alias) && names.TryGetValue(canonical, out var target)) names.Add(alias, target);
        }
        return new SyscallTable(arch, kernelVersion, entries, names.ToFrozenDictionary(StringComparer.Ordinal),
            tableNames.ToFrozenDictionary(StringComparer.Ordinal));
    }
}
