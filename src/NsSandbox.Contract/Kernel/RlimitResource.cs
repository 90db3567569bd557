namespace NsSandbox.Contract;

/// <summary>RLIMIT_* resources, by their kernel numbers.</summary>
public enum RlimitResource
{
    Cpu = 0,
    Fsize = 1,
    Data = 2,
    Stack = 3,
    Core = 4,
    Nproc = 6,
    Nofile = 7,
    Memlock = 8,
    As = 9,
    Msgqueue = 12,
    Rtprio = 14,
}
