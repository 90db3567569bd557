namespace NsSandbox.Contract;

/// <summary>CLONE_NEW* flags (linux/sched.h).</summary>
[Flags]
public enum Namespaces : ulong
{
    None = 0,
    Mount = 0x00020000,
    Cgroup = 0x02000000,
    Uts = 0x04000000,
    Ipc = 0x08000000,
    User = 0x10000000,
    Pid = 0x20000000,
    Net = 0x40000000,
}
