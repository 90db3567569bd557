// Interface of the native shim; mirrored by src/NsSandbox.Linux/Interop/Shim.cs.
#pragma once
#include <stdint.h>

// Stage 2 finds its channel to the parent at this descriptor.
#define NSS_SYNC_FD 3
// Exit status of a sandbox that could not be set up (the shim's own steps included), and of one whose command
// was not found; nothing else exits early, so 127 always means "not found".
#define NSS_SETUP_EXIT 126
#define NSS_NOT_FOUND_EXIT 127
// argv[1] of the launcher's self-exec in mode execve; see nss_execve_stage.c.
#define NSS_EXECVE_STAGE "__execve_stage"
// Message the shim child writes on the sync socket when it fails: {NSS_MSG_SHIM_FAILED, step, errno}.
#define NSS_MSG_SHIM_FAILED 0x5348494d
// The shim child's steps before the program runs; StageChannel names them.
enum nss_step {
    NSS_STEP_PDEATHSIG = 1,
    NSS_STEP_CLOSE_FDS = 2,
    NSS_STEP_SYNC_FD = 3, // the sync socket onto NSS_SYNC_FD
    NSS_STEP_STDIN = 4,   // stdio_fds[i] onto i: NSS_STEP_STDIN + i
    NSS_STEP_STDOUT = 5,
    NSS_STEP_STDERR = 6,
};

struct nss_spawn_req {
    uint64_t clone_flags;    // CLONE_NEW* flags; CLONE_PIDFD is added
    int32_t sync_fd;         // becomes fd 3 in the child
    int32_t cgroup_fd;       // -1, or a cgroup v2 directory to start the child in (CLONE_INTO_CGROUP)
    const void *program;     // stage 2's program (nss_stage2.h); the child runs a copy of it
    uint32_t program_length;
    int32_t stdio_fds[3];    // -1 keeps the parent's 0, 1, 2; else dup'd onto it (one socket may serve all three)
    int32_t die_with_parent; // nonzero: SIGKILL when the parent dies, and no exec once the sync socket is closed
    int32_t reserved;
};

// The child of nss_spawn, and the memory it runs in until its execve or exit (see nss_child_release).
struct nss_child {
    int32_t pid, pidfd;
    void *region;         // the child's stack and program when it shares the parent's memory, else NULL
    uint64_t region_size;
    int32_t dumpable;     // the parent's PR_GET_DUMPABLE before its first spawn
    int32_t reserved;
};

// Clones the child into new namespaces; it runs stage 2's program. Returns 0, or -errno.
int nss_spawn(const struct nss_spawn_req *req, struct nss_child *child);
// Once the child has exec'd or been reaped: frees its region and gives back the parent's dumpable flag (a
// child sharing the parent's memory changes it for both when it switches ids). Call at most once.
void nss_child_release(struct nss_child *child);
// CLOCK_MONOTONIC in ns when this process's first constructor ran (before the .NET runtime started).
int64_t nss_start_time_ns(void);

// Loads a BPF_PROG_TYPE_CGROUP_DEVICE program of COUNT instructions and attaches it to the cgroup open at
// CGROUP_FD (BPF_F_ALLOW_MULTI). 0, or -errno; LOG gets the verifier's messages when given. See nss_bpf.c.
int nss_bpf_attach_device_program(int cgroup_fd, const void *insns, uint32_t count, char *log, uint32_t log_size);
