namespace NsSandbox.Linux;

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

/// <summary>mount(2) flags.</summary>
[Flags]
public enum MountFlags : ulong
{
    None = 0,
    ReadOnly = 1,
    NoSuid = 2,
    NoDev = 4,
    NoExec = 8,
    Remount = 32,
    Bind = 4096,
    Recursive = 16384,
    Private = 1 << 18,
}

/// <summary>MOUNT_ATTR_* for mount_setattr(2).</summary>
[Flags]
public enum MountAttributes : ulong
{
    None = 0,
    ReadOnly = 0x1,
    NoSuid = 0x2,
    NoDev = 0x4,
    NoExec = 0x8,
}

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
    As = 9,
}
