namespace NsSandbox.Linux;

/// <summary>The operations an OCI container's stage 2 needs beyond a sandbox's: it keeps chosen capabilities and
/// groups, makes device nodes, writes sysctls, stops for the parent's hooks, and waits in a fifo for `start` after
/// the process that created it has gone.</summary>
public interface IContainerKernel : IKernel
{
    /// <summary>A detached mount tree the parent sends (an id-mapped rootfs), as a handle like <see cref="IKernel.CloneTree"/>'s.</summary>
    int ReceiveTree(string what);
    /// <summary>Opens a file the program keeps (its handle is a slot, like a detached tree's).</summary>
    int Open(string path, int flags);
    /// <summary>Tells the parent the container is set up, then waits until a start message is read from the fifo.</summary>
    void AwaitFifo(int slot);
    /// <summary>Drops every capability not in <paramref name="keep"/> from the bounding set.</summary>
    void KeepBoundingCapabilities(ulong keep);
    void SetCapabilities(ulong effective, ulong permitted, ulong inheritable, ulong ambient);
    /// <summary>prctl(PR_SET_KEEPCAPS): a switch away from uid 0 keeps the permitted set.</summary>
    void KeepCapabilitiesOnIdChange(bool keep);
    void SetSupplementaryGroups(IReadOnlyList<uint> gids);
    void MakeNode(string path, uint mode, ulong device);
    /// <summary>Writes an existing file whole (a sysctl, as the container's namespaces see it).</summary>
    void WriteFile(string path, string text);
    /// <summary>setns into the namespace at <paramref name="path"/> (a mount namespace, which a thread of the
    /// runtime cannot join).</summary>
    void JoinNamespace(string path, Namespaces kind);
    /// <summary>Loads a seccomp filter now, without no_new_privs (which needs CAP_SYS_ADMIN): the calls after it
    /// must be allowed by it, as with runc.</summary>
    void LoadSeccomp(byte[] filter, uint flags);
    /// <summary>The exec without setting no_new_privs (config.json's noNewPrivileges false).</summary>
    void ExecKeepingPrivileges(IReadOnlyList<string> candidates, IReadOnlyList<string> argv, IReadOnlyList<string> env);
    /// <summary>A pty of the container's own /dev/ptmx: the slave becomes stdio, the master is sent to the parent.</summary>
    void OpenTerminal();
    /// <summary>The terminal on <paramref name="fd"/> becomes the new session's controlling terminal.</summary>
    void SetControllingTerminal(int fd);
    /// <summary>Tells the parent this point is reached and waits for its "go" (hooks run meanwhile).</summary>
    void Pause();
    /// <summary>Fails now, as the exec would, unless a candidate is an executable file.</summary>
    void FindExecutable(IReadOnlyList<string> candidates, string command);
}
