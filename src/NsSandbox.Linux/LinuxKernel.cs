using System.Runtime.InteropServices;
using System.Text;
using NsSandbox.Linux.Interop;

namespace NsSandbox.Linux;

/// <summary>The real kernel behind <see cref="IKernel"/>.</summary>
public sealed unsafe class LinuxKernel : IKernel
{
    private const int AtFdCwd = -100;
    private const uint AtRecursive = 0x8000;
    private const uint AtSymlinkNoFollow = 0x100;
    private const uint AtEmptyPath = 0x1000;
    private const uint OpenTreeClone = 1;
    private const uint MoveMountFEmptyPath = 0x4;
    private const int MntDetach = 2;
    private const int OCreat = 0x40, OExcl = 0x80, OWronly = 1;
    private const int OCloexec = 0x80000;
    private const int PrSetPdeathsig = 1;

    public static readonly LinuxKernel Instance = new();

    public void Mount(string? source, string target, string? fsType, MountFlags flags, string? data) =>
        KernelException.ThrowIfFailed(Libc.Mount(source, target, fsType, (ulong)flags, data), "mount", target);

    public void SetMountAttributes(string path, MountAttributes set, bool recursive)
    {
        var attr = new MountAttr { AttrSet = (ulong)set };
        uint flags = AtSymlinkNoFollow | (recursive ? AtRecursive : 0);
        KernelException.ThrowIfFailed(
            Libc.MountSetattr(AtFdCwd, path, flags, &attr, (nuint)sizeof(MountAttr)), "mount_setattr", path);
    }

    public int CloneTree(string source, bool recursive)
    {
        uint flags = OpenTreeClone | OCloexec | AtSymlinkNoFollow | (recursive ? AtRecursive : 0);
        int fd = Libc.OpenTree(AtFdCwd, source, flags);
        KernelException.ThrowIfFailed(fd, "bind mount", source);
        return fd;
    }

    public void SetTreeAttributes(int tree, MountAttributes set, bool recursive)
    {
        var attr = new MountAttr { AttrSet = (ulong)set };
        uint flags = AtEmptyPath | (recursive ? AtRecursive : 0);
        KernelException.ThrowIfFailed(
            Libc.MountSetattr(tree, "", flags, &attr, (nuint)sizeof(MountAttr)), "mount_setattr", $"fd {tree}");
    }

    public void AttachTree(int tree, string target) =>
        KernelException.ThrowIfFailed(Libc.MoveMount(tree, "", AtFdCwd, target, MoveMountFEmptyPath), "move_mount", target);

    public void CloseDescriptor(int fd) => Libc.Close(fd);

    public void Unmount(string target, bool detach) =>
        KernelException.ThrowIfFailed(Libc.Umount2(target, detach ? MntDetach : 0), "umount", target);

    public FileType? TypeOf(string path) => FileTypes.Of(path, followSymlinks: false);

    public void MakeDirectory(string path, uint mode) =>
        KernelException.ThrowIfFailed(Libc.Mkdir(path, mode), "mkdir", path);

    public void MakeSymlink(string target, string linkPath) =>
        KernelException.ThrowIfFailed(Libc.Symlink(target, linkPath), "symlink", linkPath);

    public void CreateFile(string path, uint mode)
    {
        int fd = Libc.Open(path, OCreat | OExcl | OWronly | OCloexec, mode);
        KernelException.ThrowIfFailed(fd, "create", path);
        Libc.Close(fd);
    }

    public void PivotRoot(string newRoot, string putOld) =>
        KernelException.ThrowIfNegative(Shim.PivotRoot(newRoot, putOld), "pivot_root", newRoot);

    public void ChangeDirectory(string path) => KernelException.ThrowIfFailed(Libc.Chdir(path), "chdir", path);

    public void SetHostname(string name)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(name);
        fixed (byte* p = bytes)
            KernelException.ThrowIfFailed(Libc.Sethostname(p, (nuint)bytes.Length), "sethostname", name);
    }

    public void BringUpLoopback() => KernelException.ThrowIfNegative(Shim.LoopbackUp(), "ioctl(SIOCSIFFLAGS)", "lo");

    public void SetRlimit(RlimitResource resource, ulong soft, ulong hard)
    {
        var limit = new Rlimit { Cur = soft, Max = hard };
        if (Libc.Setrlimit((int)resource, &limit) != 0) throw RlimitFailure("setrlimit", resource);
    }

    public (ulong Soft, ulong Hard) GetRlimit(RlimitResource resource)
    {
        Rlimit limit;
        if (Libc.Getrlimit((int)resource, &limit) != 0) throw RlimitFailure("getrlimit", resource);
        return (limit.Cur, limit.Max);
    }

    // The resource's name only on failure: naming an enum value goes through reflection metadata, which cost
    // every launch ~0.5 ms of start-up work when the name was made eagerly for each call.
    private static KernelException RlimitFailure(string call, RlimitResource resource)
    {
        int errno = Marshal.GetLastPInvokeError();
        return new KernelException(call, resource.ToString().ToUpperInvariant(), errno);
    }

    public void NewSession() => KernelException.ThrowIfFailed(Libc.Setsid(), "setsid");

    public void ClearSupplementaryGroups() =>
        KernelException.ThrowIfFailed(Libc.Setgroups(0, null), "setgroups");

    public void SetIds(uint uid, uint gid)
    {
        KernelException.ThrowIfFailed(Libc.Setresgid(gid, gid, gid), "setresgid", gid.ToString());
        KernelException.ThrowIfFailed(Libc.Setresuid(uid, uid, uid), "setresuid", uid.ToString());
    }

    public void DropCapabilities() => KernelException.ThrowIfNegative(Shim.DropCapabilities(), "drop capabilities");

    public void SetParentDeathSignal(int signal) =>
        KernelException.ThrowIfFailed(Libc.Prctl(PrSetPdeathsig, (ulong)signal, 0, 0, 0), "prctl(PR_SET_PDEATHSIG)");
}
