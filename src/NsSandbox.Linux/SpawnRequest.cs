namespace NsSandbox.Linux;

/// <summary>What <see cref="Spawner.Spawn"/> starts one child with (struct nss_spawn_req in native/nss_shim.h).
/// <paramref name="SyncFd"/> is the child's end of the sync channel (it becomes fd 3 in the child);
/// <paramref name="CgroupFd"/> a cgroup v2 directory to start it in, or -1. Without
/// <paramref name="DieWithParent"/> the child outlives the spawning process (no PR_SET_PDEATHSIG) and still execs
/// when the parent's end of the channel is closed by then. A stdio descriptor of -1 keeps the parent's 0, 1 or 2;
/// any other is dup'd onto it in the child (a connection's socket may serve as all three).
/// <paramref name="CgroupTasksFds"/>: cgroup v1 `tasks` files the child joins itself as its first step
/// (struct nss_spawn_req's cgroup_tasks_fds says why).</summary>
public readonly record struct SpawnRequest(
    Namespaces Namespaces,
    int SyncFd,
    int CgroupFd = -1,
    bool DieWithParent = true,
    int StdinFd = -1,
    int StdoutFd = -1,
    int StderrFd = -1,
    IReadOnlyList<int>? CgroupTasksFds = null);

/// <summary>What a sandbox gets as its descriptors 0, 1 and 2: -1 keeps the launcher's own.</summary>
public readonly record struct StdioFds(int In, int Out, int Err)
{
    public static StdioFds Inherit { get; } = new(-1, -1, -1);

    /// <summary>One descriptor as all three (a connection's socket in mode listen).</summary>
    public static StdioFds All(int fd) => new(fd, fd, fd);
}
