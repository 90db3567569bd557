namespace NsSandbox.Linux;

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
    Move = 8192,
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
