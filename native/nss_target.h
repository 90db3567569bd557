// Stage 2's process-wide steps (nss_target.c), called by the interpreter in the child of clone.
#pragma once
#include <stdint.h>

struct nss_exec_req {
    const char *const *candidates; // absolute paths to try in order (PATH already resolved)
    int32_t candidate_count;
    uint32_t seccomp_flags;  // SECCOMP_FILTER_FLAG_* for SECCOMP_SET_MODE_FILTER
    const void *filter;      // struct sock_filter[filter_len], or NULL
    int32_t filter_len;
    char *const *argv;
    char *const *envp;
    int32_t keep_privileges; // no no_new_privs: setuid binaries and file capabilities work (OCI noNewPrivileges false)
    int32_t exec_fd;         // >= 0: execveat this descriptor (the candidates are not tried)
};

// Every signal to its default action, none blocked: execve keeps ignored dispositions and the mask.
void nss_reset_signals(void);
// Sets no_new_privs, resets signals, marks fds >= 3 close-on-exec, loads seccomp, execs. Returns -errno.
int nss_exec_target(const struct nss_exec_req *req);
// Empties the bounding and ambient sets, then permitted/effective/inheritable. Returns 0 or -errno.
int nss_drop_capabilities(void);
// The index of the first candidate that is an executable regular file, or -errno as execvp would report it.
int nss_find_executable(const char *const *candidates, int count);
// Drops from the bounding set every capability not in `keep`. Returns 0 or -errno.
int nss_cap_bounding(uint64_t keep);
// Sets effective, permitted, inheritable (capset) and then the ambient set (sets[3]). Returns 0 or -errno.
int nss_capset(const uint64_t sets[4]);
// Opens path read-write and puts it on each of descriptors 0-2 whose bit is set in fds. Returns 0 or -errno.
int nss_null_fds(const char *path, uint32_t fds);
// Brings the loopback interface of the current network namespace up. Returns 0 or -errno.
int nss_loopback_up(void);
