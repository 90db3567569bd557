// The last steps of stage 2 before the target runs. Everything from no_new_privs to execve is one function:
// once seccomp is loaded nothing but the execve may run. System calls go through nss_sys (nss_sys.h).
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <net/if.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "nss_sys.h"
#include "nss_target.h"

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif
#ifndef SYS_close_range
#define SYS_close_range 436
#endif

// The kernel's struct sigaction for rt_sigaction (not libc's).
struct nss_ksigaction {
    unsigned long handler, flags, restorer, mask;
};

void nss_reset_signals(void)
{
    // The runtime ignores SIGPIPE, which the target must not inherit.
    struct nss_ksigaction dfl = {0, 0, 0, 0}; // SIG_DFL
    for (int sig = 1; sig <= 64; sig++) {
        if (sig != SIGKILL && sig != SIGSTOP) nss_sys4(SYS_rt_sigaction, sig, (long)&dfl, 0, 8);
    }
    uint64_t none = 0;
    nss_sys4(SYS_rt_sigprocmask, SIG_SETMASK, (long)&none, 0, 8);
}

int nss_find_executable(const char *const *candidates, int count)
{
    int err = ENOENT;
    for (int i = 0; i < count; i++) {
        struct stat st;
        long rc = nss_sys4(SYS_newfstatat, AT_FDCWD, (long)candidates[i], (long)&st, 0);
        if (rc < 0) {
            if (rc != -ENOENT && rc != -ENOTDIR) err = (int)-rc;
        } else if (!S_ISREG(st.st_mode) || nss_sys3(SYS_faccessat, AT_FDCWD, (long)candidates[i], X_OK) < 0) {
            err = EACCES;
        } else {
            return i;
        }
    }
    return -err;
}

static int first_executable(const struct nss_exec_req *req)
{
    return nss_find_executable(req->candidates, req->candidate_count);
}

// nsjail's exec_fd: the file was opened before the mounts (O_PATH, close-on-exec), so it need not be in the
// sandbox. A script cannot run this way (its interpreter would open /dev/fd/N, closed by then), as in nsjail.
static int exec_descriptor(const struct nss_exec_req *req)
{
    if (req->filter_len > 0) {
        // As with a path: a failed execveat under the filter would make calls the policy may forbid.
        struct stat st;
        long rc = nss_sys4(SYS_newfstatat, req->exec_fd, (long)"", (long)&st, AT_EMPTY_PATH);
        if (rc < 0) return (int)rc;
        if (!S_ISREG(st.st_mode)) return -EACCES;
        struct sock_fprog prog = {(unsigned short)req->filter_len, (struct sock_filter *)req->filter};
        rc = nss_sys3(SYS_seccomp, SECCOMP_SET_MODE_FILTER, req->seccomp_flags, (long)&prog);
        if (rc < 0) return (int)rc;
    }
    return (int)nss_sys5(SYS_execveat, req->exec_fd, (long)"", (long)req->argv, (long)req->envp, AT_EMPTY_PATH);
}

int nss_exec_target(const struct nss_exec_req *req)
{
    long rc = req->keep_privileges ? 0 : nss_sys2(SYS_prctl, PR_SET_NO_NEW_PRIVS, 1);
    if (rc < 0) return (int)rc;
    nss_reset_signals();
    // Every descriptor above stderr closes at execve, the sync socket too: its EOF tells the parent
    // that execve succeeded.
    rc = nss_sys3(SYS_close_range, 3, ~0U, CLOSE_RANGE_CLOEXEC);
    if (rc < 0) return (int)rc;
    if (req->exec_fd >= 0) return exec_descriptor(req);
    int first = 0;
    if (req->filter_len > 0) {
        // A failed execve under the filter would make calls the policy may forbid, and the command never
        // asked for: pick the candidate before loading the filter.
        first = first_executable(req);
        if (first < 0) return first;
        struct sock_fprog prog = {(unsigned short)req->filter_len, (struct sock_filter *)req->filter};
        rc = nss_sys3(SYS_seccomp, SECCOMP_SET_MODE_FILTER, req->seccomp_flags, (long)&prog);
        if (rc < 0) return (int)rc;
    }
    // Like execvp: try each candidate; a permission error is kept unless a later candidate runs.
    int err = ENOENT;
    for (int i = first; i < req->candidate_count; i++) {
        rc = nss_sys3(SYS_execve, (long)req->candidates[i], (long)req->argv, (long)req->envp);
        if (rc != -ENOENT && rc != -ENOTDIR) err = (int)-rc;
    }
    return -err;
}

int nss_drop_capabilities(void)
{
    // The bounding set first: dropping from it needs CAP_SETPCAP, which the capset below removes.
    for (int cap = 0; cap < 64; cap++) {
        if (nss_sys2(SYS_prctl, PR_CAPBSET_DROP, cap) == -EINVAL) break;
    }
    long rc = nss_sys2(SYS_prctl, PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL);
    if (rc < 0) return (int)rc;
    struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
    struct __user_cap_data_struct data[2];
    memset(data, 0, sizeof data);
    return (int)nss_sys2(SYS_capset, (long)&hdr, (long)data);
}

int nss_cap_bounding(uint64_t keep)
{
    for (int cap = 0; cap < 64; cap++) {
        if (keep & (1ull << cap)) continue;
        long rc = nss_sys2(SYS_prctl, PR_CAPBSET_DROP, cap);
        if (rc == -EINVAL) break; // past the kernel's last capability
        if (rc < 0) return (int)rc;
    }
    return 0;
}

int nss_capset(const uint64_t sets[4])
{
    struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
    struct __user_cap_data_struct data[2];
    for (int i = 0; i < 2; i++) {
        data[i].effective = (uint32_t)(sets[0] >> (32 * i));
        data[i].permitted = (uint32_t)(sets[1] >> (32 * i));
        data[i].inheritable = (uint32_t)(sets[2] >> (32 * i));
    }
    long rc = nss_sys2(SYS_capset, (long)&hdr, (long)data);
    if (rc < 0) return (int)rc;
    rc = nss_sys2(SYS_prctl, PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL);
    if (rc < 0) return (int)rc;
    // An ambient capability must be permitted and inheritable; the kernel says EPERM otherwise.
    for (int cap = 0; cap < 64; cap++) {
        if (!(sets[3] & (1ull << cap))) continue;
        rc = nss_sys6(SYS_prctl, PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0, 0);
        if (rc < 0) return (int)rc;
    }
    return 0;
}

int nss_null_fds(const char *path, uint32_t fds)
{
    if (fds == 0 || fds > 7) return -EINVAL;
    // Not close-on-exec: where the open lands on a descriptor it is meant for (that one was closed), it stays.
    long fd = nss_sys4(SYS_openat, AT_FDCWD, (long)path, O_RDWR, 0);
    if (fd < 0) return (int)fd;
    long rc = 0;
    for (long i = 0; i < 3 && rc >= 0; i++) {
        if ((fds & (1u << i)) && fd != i) rc = nss_sys3(SYS_dup3, fd, i, 0);
    }
    if (fd > 2) nss_sys1(SYS_close, fd);
    return rc < 0 ? (int)rc : 0;
}

int nss_loopback_up(void)
{
    long fd = nss_sys3(SYS_socket, AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return (int)fd;
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    memcpy(ifr.ifr_name, "lo", 3);
    long rc = nss_sys3(SYS_ioctl, fd, SIOCGIFFLAGS, (long)&ifr);
    if (rc == 0) {
        ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
        rc = nss_sys3(SYS_ioctl, fd, SIOCSIFFLAGS, (long)&ifr);
    }
    nss_sys1(SYS_close, fd);
    return (int)rc;
}
