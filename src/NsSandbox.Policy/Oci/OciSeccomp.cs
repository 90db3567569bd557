using NsSandbox.Policy.Semantics;

namespace NsSandbox.Policy.Oci;

/// <summary>A seccomp profile as read: runtime-spec's <c>linux.seccomp</c> object, and for Docker's profile format
/// (<c>docker run --security-opt seccomp=FILE</c>) its own fields too, which <see cref="DockerProfile"/> resolves.
/// Every value keeps where it was written.</summary>
public sealed record OciSeccomp
{
    public required OciAction DefaultAction { get; init; }

    public IReadOnlyList<Located<string>> Architectures { get; init; } = [];

    public IReadOnlyList<Located<string>> Flags { get; init; } = [];

    public Located<string>? ListenerPath { get; init; }

    public Located<string>? ListenerMetadata { get; init; }

    public IReadOnlyList<OciSyscallRule> Syscalls { get; init; } = [];

    /// <summary>Where the object starts.</summary>
    public required SourceLocation At { get; init; }

    /// <summary>Docker's archMap (null when absent).</summary>
    public IReadOnlyList<DockerArchitecture>? ArchMap { get; init; }

    /// <summary>The first field only Docker's format has, when there is one: the profile is in Docker's format.</summary>
    public Located<string>? DockerField { get; init; }

    /// <summary>Read from a runtime config's linux.seccomp, which dockerd writes resolved: never Docker's format.</summary>
    public bool InRuntimeConfig { get; init; }
}

/// <summary>One entry of <c>syscalls</c>: its position in the array, the names, the action and the argument
/// comparisons (ANDed). Includes and Excludes are Docker's conditions, null in an OCI profile.</summary>
public sealed record OciSyscallRule(int Position, IReadOnlyList<Located<string>> Names, OciAction Action, IReadOnlyList<OciArgument> Args, SourceLocation At)
{
    public DockerFilter? Includes { get; init; }

    public DockerFilter? Excludes { get; init; }

    /// <summary>"syscalls[3]" for messages.</summary>
    public string Label => $"syscalls[{Position}]";

    /// <summary>Whether every comparison holds for these argument values (libseccomp's meaning: 64-bit, unsigned).</summary>
    public bool Matches(ReadOnlySpan<ulong> arguments)
    {
        foreach (var arg in Args)
            if (!arg.Holds(arguments[(int)arg.Index])) return false;
        return true;
    }
}

/// <summary>An action with its errnoRet (null when not given).</summary>
public sealed record OciAction(ScmpAction Kind, ushort? ErrnoRet, SourceLocation At)
{
    /// <summary>EPERM: what ERRNO and TRACE return when errnoRet is not given (runtime-spec, runc).</summary>
    public const ushort DefaultErrno = 1;

    /// <summary>The largest errnoRet libseccomp takes for SCMP_ACT_ERRNO (TRACE's data may use all 16 bits).</summary>
    public const ushort MaxErrno = 4094;

    /// <summary>The seccomp return, as runc has libseccomp make it: KILL is KILL_THREAD; TRAP's data is 0.</summary>
    public PolicyAction ToPolicyAction() => Kind switch
    {
        ScmpAction.Kill or ScmpAction.KillThread => PolicyAction.KillThread,
        ScmpAction.KillProcess => PolicyAction.KillProcess,
        ScmpAction.Trap => new PolicyAction(ActionKind.Trap),
        ScmpAction.Errno => new PolicyAction(ActionKind.Errno, ErrnoRet ?? DefaultErrno),
        ScmpAction.Trace => new PolicyAction(ActionKind.Trace, ErrnoRet ?? DefaultErrno),
        ScmpAction.Allow => PolicyAction.Allow,
        ScmpAction.Log => new PolicyAction(ActionKind.Log),
        _ => new PolicyAction(ActionKind.UserNotif),
    };

    public override string ToString() => ErrnoRet is { } e ? $"{ScmpNames.Name(Kind)} (errnoRet {e})" : ScmpNames.Name(Kind);
}

/// <summary>One comparison of argument Index. MASKED_EQ: (argument &amp; Value) == (ValueTwo &amp; Value): libseccomp masks
/// the datum too, so bits of ValueTwo outside the mask do not count. The others compare the argument with Value.
/// All 64 bits, unsigned, as libseccomp compares.</summary>
public sealed record OciArgument(uint Index, ulong Value, ulong ValueTwo, ScmpOperator Op, SourceLocation At)
{
    public bool Holds(ulong argument) => Op switch
    {
        ScmpOperator.NotEqual => argument != Value,
        ScmpOperator.Less => argument < Value,
        ScmpOperator.LessOrEqual => argument <= Value,
        ScmpOperator.Equal => argument == Value,
        ScmpOperator.GreaterOrEqual => argument >= Value,
        ScmpOperator.Greater => argument > Value,
        _ => (argument & Value) == (ValueTwo & Value),
    };

    public override string ToString() => Op == ScmpOperator.MaskedEqual
        ? $"(arg{Index} & 0x{Value:x}) == 0x{ValueTwo & Value:x}"
        : $"arg{Index} {Symbol(Op)} 0x{Value:x}";

    private static string Symbol(ScmpOperator op) => op switch
    {
        ScmpOperator.NotEqual => "!=",
        ScmpOperator.Less => "<",
        ScmpOperator.LessOrEqual => "<=",
        ScmpOperator.Equal => "==",
        ScmpOperator.GreaterOrEqual => ">=",
        _ => ">",
    };
}

/// <summary>Docker's archMap entry: an architecture and the sub-architectures listed with it.</summary>
public sealed record DockerArchitecture(Located<string> Architecture, IReadOnlyList<Located<string>> SubArchitectures);

/// <summary>Docker's includes/excludes: capabilities, architectures (Go's names: amd64, arm64, ...) and a minimum
/// kernel ("4.8").</summary>
public sealed record DockerFilter(IReadOnlyList<Located<string>> Caps, IReadOnlyList<Located<string>> Arches, Located<string>? MinKernel)
{
    public bool IsEmpty => Caps.Count == 0 && Arches.Count == 0 && MinKernel is null;
}
