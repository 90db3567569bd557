namespace NsSandbox.Linux.Stage2Code;

/// <summary>The operations of stage 2's program; mirrors enum nss_opcode in native/nss_stage2.h, which says what
/// each operand means.</summary>
public enum Opcode : uint
{
    Mount = 1,
    SetAttributes,
    OpenTree,
    TreeSetAttributes,
    MoveMount,
    Close,
    Unmount,
    EnsureDirectory,
    EnsureFile,
    Require,
    Symlink,
    PivotRoot,
    ChangeDirectory,
    SetHostname,
    LoopbackUp,
    SetRlimit,
    SetSid,
    SetGroupsEmpty,
    SetResGid,
    SetResUid,
    DropCapabilities,
    ParentDeathSignal,
    Mark,
    Exec,
    AwaitStart,
    Open,
    AwaitFifo,
    CapBounding,
    CapSet,
    KeepCaps,
    SetGroups,
    MakeNode,
    WriteFile,
    Pause,
    FindExec,
    SetControllingTerminal,
    SetNamespace,
    Seccomp,
    OpenPty,
    SetPersonality,
    SetPriority,
    SetAffinity,
    DisableTsc,
    NullFds,
    RemoveDirectory,
    ReceiveTree,
}

/// <summary>The layout and message constants of native/nss_stage2.h and nss_shim.h.</summary>
public static class ProgramFormat
{
    public const uint Magic = 0x3250534e, Version = 1, TimingFlag = 1;
    /// <summary>struct nss_prog (the header) and the offsets of its fields after magic and version.</summary>
    public const int HeaderSize = 24, HeaderOpCount = 8, HeaderOps = 12, HeaderLength = 16, HeaderFlags = 20;
    /// <summary>struct nss_op and the offsets of its fields after the opcode.</summary>
    public const int OpSize = 40, OpWhat = 4, OpA = 8, OpB = 12, OpC = 16, OpD = 24, OpE = 32;
    /// <summary>Detached mount trees a program may hold at once (NSS_PROG_SLOTS).</summary>
    public const int Slots = 1024;
    public const int MsgGo = 0x21216f67, MsgStart = 0x74727473, MsgStage2Failed = 0x4c494146, MsgTiming = 0x454d4954;
    /// <summary>Stage 2 at an await-fifo operation (set up, waiting for its start) and at a pause (waiting for "go").</summary>
    public const int MsgReady = 0x59444552, MsgPaused = 0x53554150;
    /// <summary>Stage 2 made a terminal: the message carries its master (SCM_RIGHTS).</summary>
    public const int MsgPty = 0x21595450;
    /// <summary>Parent to stage 2 at a receive-tree operation: a detached mount tree rides along (SCM_RIGHTS).</summary>
    public const int MsgTree = 0x45455254;
    /// <summary>The exec operation's e bit above the seccomp flags: no no_new_privs (NSS_EXEC_KEEP_PRIVS).</summary>
    public const ulong ExecKeepPrivileges = 1ul << 32;
    /// <summary>The exec operation's e bit: execveat the slot at bits 40-55 (NSS_EXEC_FROM_SLOT).</summary>
    public const ulong ExecFromSlot = 1ul << 33;
    public const int ExecSlotShift = 40;
    /// <summary>The shim's own failure before the program runs (NSS_MSG_SHIM_FAILED in nss_shim.h): {magic, step, errno}.</summary>
    public const int MsgShimFailed = 0x5348494d;
    public const uint StampStarted = 0xffffffff, StampGo = 0xfffffffe;
}
