// Interface of the native shim; mirrored by src/NsSandbox.Linux/Native/Shim.cs.
#pragma once
#include <stdint.h>

// Stage 2 finds its channel to the parent at this descriptor.
#define NSS_SYNC_FD 3
// The shim child's exit status when it could not start stage 2.
#define NSS_SHIM_EXIT 127
// Exit status of a sandbox that could not be set up, and of one whose command was not found.
#define NSS_SETUP_EXIT 126
#define NSS_NOT_FOUND_EXIT 127
// argv[1] of the launcher's self-exec in mode execve; see nss_execve_stage.c.
#define NSS_EXECVE_STAGE "__execve_stage"
// Message the shim child writes on the sync socket when it fails: {NSS_MSG_SHIM_FAILED, step, errno}.
#define NSS_MSG_SHIM_FAILED 0x5348494d
enum nss_step { NSS_STEP_PDEATHSIG = 1, NSS_STEP_CLOSE_FDS = 2 };

struct nss_spawn_req {
    uint64_t clone_flags; // CLONE_NEW* flags; CLONE_PIDFD is added
    int32_t sync_fd;      // becomes fd 3 in the child
    int32_t cgroup_fd;    // -1, or a cgroup v2 directory to start the child in (CLONE_INTO_CGROUP)
    void *program;        // stage 2's program (nss_stage2.h); the child runs its own copy
    uint32_t program_length;
};

struct nss_exec_req {
    const char *const *candidates; // absolute paths to try in order (PATH already resolved)
    int32_t candidate_count;
    uint32_t seccomp_flags;  // SECCOMP_FILTER_FLAG_* for SECCOMP_SET_MODE_FILTER
    const void *filter;      // struct sock_filter[filter_len], or NULL
    int32_t filter_len;
    char *const *argv;
    char *const *envp;
};

// Returns the child's pid (and its pidfd in *pidfd_out), or -errno.
int nss_spawn(const struct nss_spawn_req *req, int *pidfd_out);
// Sets no_new_privs, resets signals, marks fds >= 3 close-on-exec, loads seccomp, execs. Returns -errno.
int nss_exec_target(const struct nss_exec_req *req);

// pivot_root has no glibc wrapper.
int nss_pivot_root(const char *new_root, const char *put_old);
// Empties the bounding and ambient sets, then permitted/effective/inheritable. Returns 0 or -errno.
int nss_drop_capabilities(void);
// Brings the loopback interface of the current network namespace up. Returns 0 or -errno.
int nss_loopback_up(void);
// CLOCK_MONOTONIC in ns when this process's first constructor ran (before the .NET runtime started).
int64_t nss_start_time_ns(void);
