namespace NsSandbox.Policy.Bpf;

/// <summary>Seccomp filter return values (include/uapi/linux/seccomp.h): an action in the high bits, data in the low 16.</summary>
public static class SeccompRet
{
    public const uint KillProcess = 0x80000000;
    public const uint KillThread = 0x00000000;
    public const uint Trap = 0x00030000;
    public const uint Errno = 0x00050000;
    public const uint UserNotif = 0x7fc00000;
    public const uint Trace = 0x7ff00000;
    public const uint Log = 0x7ffc0000;
    public const uint Allow = 0x7fff0000;
    public const uint ActionFullMask = 0xffff0000;
    public const uint DataMask = 0x0000ffff;

    public static uint Action(uint ret) => ret & ActionFullMask;

    public static uint Data(uint ret) => ret & DataMask;

    /// <summary>"ALLOW", "ERRNO(1)", "KILL_PROCESS", "TRAP(5)", ...; data on a data-less action is shown too.</summary>
    public static string Describe(uint ret)
    {
        var data = Data(ret);
        string WithData(string name) => $"{name}({data})";
        string Plain(string name) => data == 0 ? name : $"{name}(data={data})";
        return Action(ret) switch
        {
            KillProcess => Plain("KILL_PROCESS"),
            KillThread => Plain("KILL_THREAD"),
            Trap => WithData("TRAP"),
            Errno => WithData("ERRNO"),
            UserNotif => Plain("USER_NOTIF"),
            Trace => WithData("TRACE"),
            Log => Plain("LOG"),
            Allow => Plain("ALLOW"),
            _ => $"UNKNOWN(0x{ret:x8})",
        };
    }
}
