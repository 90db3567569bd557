using NsSandbox.Policy.Bpf;

namespace NsSandbox.Policy.Semantics;

public enum ActionKind { Allow, Log, KillThread, KillProcess, UserNotif, Errno, Trap, Trace }

/// <summary>What the kernel does with a syscall: a seccomp return value. Data is ERRNO's, TRAP's or TRACE's n.</summary>
public readonly record struct PolicyAction(ActionKind Kind, ushort Data = 0)
{
    public static PolicyAction Allow => new(ActionKind.Allow);
    public static PolicyAction KillThread => new(ActionKind.KillThread);
    public static PolicyAction KillProcess => new(ActionKind.KillProcess);

    public uint SeccompReturn => Kind switch
    {
        ActionKind.Allow => SeccompRet.Allow,
        ActionKind.Log => SeccompRet.Log,
        ActionKind.KillThread => SeccompRet.KillThread,
        ActionKind.KillProcess => SeccompRet.KillProcess,
        ActionKind.UserNotif => SeccompRet.UserNotif,
        ActionKind.Errno => SeccompRet.Errno | Data,
        ActionKind.Trap => SeccompRet.Trap | Data,
        _ => SeccompRet.Trace | Data,
    };

    /// <summary>The policy-language spelling: ALLOW, KILL, ERRNO(1), ...</summary>
    public override string ToString() => Kind switch
    {
        ActionKind.Allow => "ALLOW",
        ActionKind.Log => "LOG",
        ActionKind.KillThread => "KILL",
        ActionKind.KillProcess => "KILL_PROCESS",
        ActionKind.UserNotif => "USER_NOTIF",
        ActionKind.Errno => $"ERRNO({Data})",
        ActionKind.Trap => $"TRAP({Data})",
        _ => $"TRACE({Data})",
    };

    /// <summary>Maps an action keyword (and its parameter, already range-checked) to the action.</summary>
    public static PolicyAction FromKeyword(string keyword, ushort data) => keyword switch
    {
        "ALLOW" => Allow,
        "LOG" => new(ActionKind.Log),
        "KILL" or "KILL_THREAD" or "DENY" => KillThread,
        "KILL_PROCESS" => KillProcess,
        "USER_NOTIF" => new(ActionKind.UserNotif),
        "ERRNO" => new(ActionKind.Errno, data),
        "TRAP" => new(ActionKind.Trap, data),
        "TRACE" => new(ActionKind.Trace, data),
        _ => throw new ArgumentException($"not an action keyword: {keyword}", nameof(keyword)),
    };
}
