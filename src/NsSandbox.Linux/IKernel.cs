namespace NsSandbox.Linux;

/// <summary>The narrow set of kernel operations stage 2 performs to build a sandbox. The real one is
/// <see cref="LinuxKernel"/>; tests use a recording fake to check the exact sequence for a plan.
/// Every failure is a <see cref="KernelException"/>.</summary>
public interface IKernel
{
    void Mount(string? source, string target, string? fsType, MountFlags flags, string? data);
    void SetMountAttributes(string path, MountAttributes set, bool recursive);
    /// <summary>A detached copy of the mount tree at <paramref name="source"/> (open_tree), as a descriptor.</summary>
    int CloneTree(string source, bool recursive);
    void SetTreeAttributes(int tree, MountAttributes set, bool recursive);
    void AttachTree(int tree, string target);
    void CloseDescriptor(int fd);
    void Unmount(string target, bool detach);
    /// <summary>The type of the inode at path, not following a final symlink; null when it does not exist.</summary>
    FileType? TypeOf(string path);
    void MakeDirectory(string path, uint mode);
    void MakeSymlink(string target, string linkPath);
    void CreateFile(string path, uint mode);
    void PivotRoot(string newRoot, string putOld);
    void ChangeDirectory(string path);
    void SetHostname(string name);
    void BringUpLoopback();
    void SetRlimit(RlimitResource resource, ulong soft, ulong hard);
    (ulong Soft, ulong Hard) GetRlimit(RlimitResource resource);
    void NewSession();
    void ClearSupplementaryGroups();
    void SetIds(uint uid, uint gid);
    void DropCapabilities();
    void SetParentDeathSignal(int signal);
}
