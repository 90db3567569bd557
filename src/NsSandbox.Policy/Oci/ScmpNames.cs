using NsSandbox.Policy.Syscalls;

namespace NsSandbox.Policy.Oci;

/// <summary>The actions of runtime-spec's seccomp section (libseccomp's SCMP_ACT_* names).</summary>
public enum ScmpAction { Kill, KillProcess, KillThread, Trap, Errno, Trace, Allow, Log, Notify }

/// <summary>The comparisons of runtime-spec's seccomp args (libseccomp's SCMP_CMP_* names).</summary>
public enum ScmpOperator { NotEqual, Less, LessOrEqual, Equal, GreaterOrEqual, Greater, MaskedEqual }

/// <summary>The spellings a profile uses: libseccomp's constant names, as runtime-spec lists them.</summary>
public static class ScmpNames
{
    public static readonly IReadOnlyDictionary<string, ScmpAction> Actions = new Dictionary<string, ScmpAction>(StringComparer.Ordinal)
    {
        ["SCMP_ACT_KILL"] = ScmpAction.Kill,
        ["SCMP_ACT_KILL_PROCESS"] = ScmpAction.KillProcess,
        ["SCMP_ACT_KILL_THREAD"] = ScmpAction.KillThread,
        ["SCMP_ACT_TRAP"] = ScmpAction.Trap,
        ["SCMP_ACT_ERRNO"] = ScmpAction.Errno,
        ["SCMP_ACT_TRACE"] = ScmpAction.Trace,
        ["SCMP_ACT_ALLOW"] = ScmpAction.Allow,
        ["SCMP_ACT_LOG"] = ScmpAction.Log,
        ["SCMP_ACT_NOTIFY"] = ScmpAction.Notify,
    };

    public static readonly IReadOnlyDictionary<string, ScmpOperator> Operators = new Dictionary<string, ScmpOperator>(StringComparer.Ordinal)
    {
        ["SCMP_CMP_NE"] = ScmpOperator.NotEqual,
        ["SCMP_CMP_LT"] = ScmpOperator.Less,
        ["SCMP_CMP_LE"] = ScmpOperator.LessOrEqual,
        ["SCMP_CMP_EQ"] = ScmpOperator.Equal,
        ["SCMP_CMP_GE"] = ScmpOperator.GreaterOrEqual,
        ["SCMP_CMP_GT"] = ScmpOperator.Greater,
        ["SCMP_CMP_MASKED_EQ"] = ScmpOperator.MaskedEqual,
    };

    /// <summary>Every architecture runtime-spec lists, and runc's LOONGARCH64. Only the host's is compiled (its syscall
    /// table is the only one the filter decides by); the others are accepted so that a profile written for many
    /// machines loads on this one (docs/seccomp.md says what their calls get).</summary>
    public static readonly IReadOnlySet<string> Architectures = new HashSet<string>(StringComparer.Ordinal)
    {
        "SCMP_ARCH_X86", "SCMP_ARCH_X86_64", "SCMP_ARCH_X32", "SCMP_ARCH_ARM", "SCMP_ARCH_AARCH64", "SCMP_ARCH_MIPS",
        "SCMP_ARCH_MIPS64", "SCMP_ARCH_MIPS64N32", "SCMP_ARCH_MIPSEL", "SCMP_ARCH_MIPSEL64", "SCMP_ARCH_MIPSEL64N32",
        "SCMP_ARCH_PPC", "SCMP_ARCH_PPC64", "SCMP_ARCH_PPC64LE", "SCMP_ARCH_S390", "SCMP_ARCH_S390X", "SCMP_ARCH_PARISC",
        "SCMP_ARCH_PARISC64", "SCMP_ARCH_RISCV64", "SCMP_ARCH_LOONGARCH64",
    };

    /// <summary>The profile's name for a compiled architecture.</summary>
    public static string ArchitectureName(Arch arch) => arch switch
    {
        Arch.X86_64 => "SCMP_ARCH_X86_64",
        Arch.Aarch64 => "SCMP_ARCH_AARCH64",
        _ => throw new ArgumentOutOfRangeException(nameof(arch)),
    };

    // SECCOMP_FILTER_FLAG_* from include/uapi/linux/seccomp.h.
    public const uint FlagTsync = 1;
    public const uint FlagLog = 2;
    public const uint FlagSpecAllow = 4;
    public const uint FlagNewListener = 8;
    public const uint FlagWaitKillableRecv = 32;

    /// <summary>The flags runtime-spec lists, with their seccomp(2) bits.</summary>
    public static readonly IReadOnlyDictionary<string, uint> Flags = new Dictionary<string, uint>(StringComparer.Ordinal)
    {
        ["SECCOMP_FILTER_FLAG_TSYNC"] = FlagTsync,
        ["SECCOMP_FILTER_FLAG_LOG"] = FlagLog,
        ["SECCOMP_FILTER_FLAG_SPEC_ALLOW"] = FlagSpecAllow,
        ["SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"] = FlagWaitKillableRecv,
    };

    public static string Name(ScmpAction action) => Actions.First(a => a.Value == action).Key;

    public static string Name(ScmpOperator op) => Operators.First(o => o.Value == op).Key;

    /// <summary>"A, B or C" for messages.</summary>
    public static string List(IEnumerable<string> names)
    {
        var all = names.ToList();
        return all.Count == 1 ? all[0] : string.Join(", ", all.Take(all.Count - 1)) + " or " + all[^1];
    }
}
