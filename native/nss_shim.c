// The code that runs between clone and execve, and the last steps before the target's execve.
//
// The .NET runtime is multi-threaded: a forked copy of it may deadlock on a lock held by a thread that
// did not survive the fork. So the child of clone runs no managed code: it executes stage 2's program
// (nss_stage2.c), compiled from the plan by the parent before the clone, with system calls only, and
// ends in nss_exec_target. Once seccomp is loaded nothing but the execve may run, so everything from
// no_new_privs to execve happens in one function.
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <linux/sched.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "nss_shim.h"
#include "nss_stage2.h"

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif
#ifndef SYS_close_range
#define SYS_close_range 436
#endif
#ifndef SYS_clone3
#define SYS_clone3 435
#endif

// Mirrors the kernel's struct clone_args (CLONE_ARGS_SIZE_VER2: with the cgroup field).
struct nss_clone_args {
    uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls, set_tid, set_tid_size,
        cgroup;
};

static void reset_signals(void)
{
    // execve keeps ignored dispositions and the signal mask; the runtime ignores SIGPIPE, which the
    // target must not inherit.
    struct sigaction dfl;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    for (int sig = 1; sig < _NSIG; sig++) {
        if (sig != SIGKILL && sig != SIGSTOP) sigaction(sig, &dfl, NULL);
    }
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
}

static void report_and_exit(int sync_fd, int step, int err)
{
    int32_t msg[3] = {NSS_MSG_SHIM_FAILED, step, err};
    ssize_t ignored = write(sync_fd, msg, sizeof msg);
    (void)ignored;
    _exit(NSS_SHIM_EXIT);
}

int nss_spawn(const struct nss_spawn_req *req, int *pidfd_out)
{
    struct nss_clone_args args;
    memset(&args, 0, sizeof args);
    int pidfd = -1;
    args.flags = req->clone_flags | CLONE_PIDFD;
    args.pidfd = (uint64_t)(uintptr_t)&pidfd;
    args.exit_signal = SIGCHLD;
    size_t size = 64; // CLONE_ARGS_SIZE_VER0
    if (req->cgroup_fd >= 0) {
        args.flags |= CLONE_INTO_CGROUP;
        args.cgroup = (uint64_t)req->cgroup_fd;
        size = sizeof args;
    }
    long pid = syscall(SYS_clone3, &args, size);
    if (pid < 0) return -errno;
    if (pid > 0) {
        *pidfd_out = pidfd;
        return (int)pid;
    }

    // Child: async-signal-safe system calls only from here on.
    int fd = req->sync_fd;
    if (fd != NSS_SYNC_FD) {
        if (dup3(fd, NSS_SYNC_FD, 0) < 0) _exit(NSS_SHIM_EXIT);
        fd = NSS_SYNC_FD;
    } else if (fcntl(fd, F_SETFD, 0) < 0) {
        _exit(NSS_SHIM_EXIT);
    }
    if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) != 0) report_and_exit(fd, NSS_STEP_PDEATHSIG, errno);
    reset_signals();
    // The runtime's descriptors (and any a caller leaked) mean nothing here: only stdio and the channel stay.
    if (syscall(SYS_close_range, NSS_SYNC_FD + 1, ~0U, 0) != 0) report_and_exit(fd, NSS_STEP_CLOSE_FDS, errno);
    _exit(nss_run_program(req->program, req->program_length, fd));
}

// The first candidate that is an executable regular file, or -errno as execvp would report it.
static int first_executable(const struct nss_exec_req *req)
{
    int err = ENOENT;
    for (int i = 0; i < req->candidate_count; i++) {
        struct stat st;
        if (stat(req->candidates[i], &st) != 0) {
            if (errno != ENOENT && errno != ENOTDIR) err = errno;
        } else if (!S_ISREG(st.st_mode) || access(req->candidates[i], X_OK) != 0) {
            err = EACCES;
        } else {
            return i;
        }
    }
    return -err;
}

int nss_exec_target(const struct nss_exec_req *req)
{
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return -errno;
    reset_signals();
    // Every descriptor above stderr closes at execve, the sync socket too: its EOF tells the parent
    // that execve succeeded.
    if (syscall(SYS_close_range, 3, ~0U, CLOSE_RANGE_CLOEXEC) != 0) return -errno;
    int first = 0;
    if (req->filter_len > 0) {
        // A failed execve under the filter would return to stage 2's managed code, which a strict policy
        // could then kill for calls the command never made: pick the candidate before loading the filter.
        first = first_executable(req);
        if (first < 0) return first;
        struct sock_fprog prog = {(unsigned short)req->filter_len, (struct sock_filter *)req->filter};
        if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, req->seccomp_flags, &prog) != 0) return -errno;
    }
    // Like execvp: try each candidate; a permission error is kept unless a later candidate runs.
    int err = ENOENT;
    for (int i = first; i < req->candidate_count; i++) {
        execve(req->candidates[i], req->argv, req->envp);
        if (errno != ENOENT && errno != ENOTDIR) err = errno;
    }
    return -err;
}

int nss_pivot_root(const char *new_root, const char *put_old)
{
    return syscall(SYS_pivot_root, new_root, put_old) == 0 ? 0 : -errno;
}

int nss_drop_capabilities(void)
{
    // The bounding set first: dropping from it needs CAP_SETPCAP, which the capset below removes.
    for (int cap = 0; cap < 64; cap++) {
        if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0 && errno == EINVAL) break;
    }
    if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0) return -errno;
    struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
    struct __user_cap_data_struct data[2];
    memset(data, 0, sizeof data);
    if (syscall(SYS_capset, &hdr, data) != 0) return -errno;
    return 0;
}

int nss_loopback_up(void)
{
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -errno;
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    strncpy(ifr.ifr_name, "lo", IFNAMSIZ - 1);
    int rc = ioctl(fd, SIOCGIFFLAGS, &ifr);
    if (rc == 0) {
        ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
        rc = ioctl(fd, SIOCSIFFLAGS, &ifr);
    }
    int err = rc == 0 ? 0 : -errno;
    close(fd);
    return err;
}
