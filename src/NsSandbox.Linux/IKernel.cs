namespace NsSandbox.Linux;

/// <summary>The narrow set of kernel operations stage 2 performs to build a sandbox, in order. The real one is
/// <see cref="Stage2Code.ProgramWriter"/>, which compiles them into the program the native stage 2 runs after
/// the clone; tests use a recording fake to check the exact sequence for a plan.</summary>
public interface IKernel
{
    void Mount(string? source, string target, string? fsType, MountFlags flags, string? data);
    void SetMountAttributes(string path, MountAttributes set, bool recursive);
    /// <summary>A detached copy of the mount tree at <paramref name="source"/> (open_tree), as a handle.</summary>
    int CloneTree(string source, bool recursive);
    void SetTreeAttributes(int tree, MountAttributes set, bool recursive);
    void AttachTree(int tree, string target);
    void CloseDescriptor(int fd);
    void Unmount(string target, bool detach);
    /// <summary>mkdir, unless a directory is already there (any other entry there is an error).</summary>
    void EnsureDirectory(string path, uint mode);
    /// <summary>Creates an empty file, unless a regular file is already there.</summary>
    void EnsureFile(string path, uint mode);
    /// <summary>Fails unless the entry exists and is (or, with directory false, is not) a directory.</summary>
    void RequireExisting(string path, bool directory);
    void MakeSymlink(string target, string linkPath);
    /// <summary>Removes an empty directory.</summary>
    void RemoveDirectory(string path);
    void PivotRoot(string newRoot, string putOld);
    void ChangeDirectory(string path);
    void SetHostname(string name);
    void BringUpLoopback();
    void SetRlimit(RlimitResource resource, ulong soft, ulong hard);
    /// <summary>personality(2): the execution domain flags the target runs with.</summary>
    void SetPersonality(uint persona);
    /// <summary>setpriority(PRIO_PROCESS, 0, nice).</summary>
    void SetNiceness(int nice);
    /// <summary>sched_setaffinity(0, ...) to the CPUs set in <paramref name="mask"/> (a cpu_set_t, 8-byte words).</summary>
    void SetCpuAffinity(byte[] mask);
    /// <summary>prctl(PR_SET_TSC, PR_TSC_SIGSEGV): rdtsc faults.</summary>
    void DisableTsc();
    void NewSession();
    void ClearSupplementaryGroups();
    void SetIds(uint uid, uint gid);
    void DropCapabilities();
    void SetParentDeathSignal(int signal);
    /// <summary>Opens <paramref name="path"/> (the sandbox's /dev/null) and puts it on each descriptor 0-2 whose bit
    /// is set in <paramref name="fds"/>.</summary>
    void RedirectToNull(string path, uint fds);
    /// <summary>--trace_timing: a timestamp named <paramref name="step"/>, sent to the supervisor before the exec.</summary>
    void Mark(string step);
    /// <summary>Waits, set up, until the supervisor sends the start message (OCI create, then start); the supervisor
    /// gone meanwhile ends the sandbox with the setup exit status.</summary>
    void AwaitStart();
    /// <summary>Opens <paramref name="hostPath"/> (O_PATH) before anything is mounted; the exec that follows runs it
    /// from that descriptor (execveat) instead of its candidates (nsjail's exec_fd).</summary>
    void OpenExecutable(string hostPath);
    /// <summary>The last step: no_new_privs, clean signals and descriptors, seccomp, execve of the first candidate that runs.</summary>
    void Exec(IReadOnlyList<string> candidates, IReadOnlyList<string> argv, IReadOnlyList<string> env, byte[]? seccompFilter, uint seccompFlags);
}
