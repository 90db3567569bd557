// The child of clone, from its first instruction to stage 2's program. It may share the parent's memory and
// runs on the spawning thread's TLS (nss_shim.c), so, like everything it calls (nss_stage2.c, nss_target.c), it
// is built without the stack protector (whose canary lives at %fs:) and makes only raw system calls: nothing
// here may touch errno or any other thread-local or shared state. tests/check_child_code.sh holds it to that.
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <sys/prctl.h>
#include <sys/socket.h>

#include "nss_child.h"
#include "nss_shim.h"
#include "nss_stage2.h"
#include "nss_sys.h"
#include "nss_target.h"

#ifndef SYS_close_range
#define SYS_close_range 436
#endif

static __attribute__((noreturn)) void report_and_exit(int sync_fd, int step, long rc)
{
    int32_t msg[3] = {NSS_MSG_SHIM_FAILED, step, (int32_t)-rc};
    nss_sys6(SYS_sendto, sync_fd, (long)msg, sizeof msg, MSG_NOSIGNAL, 0, 0);
    nss_exit(NSS_SETUP_EXIT);
}

// Each descriptor is first copied above NSS_SYNC_FD, then onto its place: a source may sit on another's
// place (a caller's socket on fd 3, the sync socket on fd 1), and one socket may serve as all of stdio.
static int place_descriptors(const struct nss_child_start *start)
{
    long sync = nss_sys3(SYS_fcntl, start->sync_fd, F_DUPFD_CLOEXEC, NSS_SYNC_FD + 1);
    if (sync < 0) report_and_exit(start->sync_fd, NSS_STEP_SYNC_FD, sync);
    int spare[3];
    for (int i = 0; i < 3; i++) {
        spare[i] = -1;
        if (start->stdio_fds[i] < 0) continue;
        long rc = nss_sys3(SYS_fcntl, start->stdio_fds[i], F_DUPFD_CLOEXEC, NSS_SYNC_FD + 1);
        if (rc < 0) report_and_exit((int)sync, NSS_STEP_STDIN + i, rc);
        spare[i] = (int)rc;
    }
    long rc = nss_sys3(SYS_dup3, sync, NSS_SYNC_FD, 0); // without O_CLOEXEC: the program's own until its exec
    if (rc < 0) report_and_exit((int)sync, NSS_STEP_SYNC_FD, rc);
    for (int i = 0; i < 3; i++) {
        if (spare[i] < 0) continue;
        rc = nss_sys3(SYS_dup3, spare[i], i, 0);
        if (rc < 0) report_and_exit(NSS_SYNC_FD, NSS_STEP_STDIN + i, rc);
    }
    return NSS_SYNC_FD; // the spares are close-on-exec, and close_range below closes them anyway
}

void nss_child_main(const struct nss_child_start *start)
{
    long rc;
    // The cgroup first, before anything of the run is done (and before place_descriptors may dup over a
    // tasks descriptor).
    for (int i = 0; i < start->cgroup_tasks_count; i++) {
        rc = nss_sys3(SYS_write, start->cgroup_tasks_fds[i], (long)"0", 1);
        if (rc < 0) report_and_exit(start->sync_fd, NSS_STEP_CGROUP, rc);
    }
    int fd = place_descriptors(start);
    if (start->die_with_parent) {
        rc = nss_sys2(SYS_prctl, PR_SET_PDEATHSIG, SIGKILL);
        if (rc < 0) report_and_exit(fd, NSS_STEP_PDEATHSIG, rc);
    }
    nss_reset_signals();
    // The runtime's descriptors (and any a caller leaked) mean nothing here: only stdio and the channel stay.
    rc = nss_sys3(SYS_close_range, NSS_SYNC_FD + 1, ~0U, 0);
    if (rc < 0) report_and_exit(fd, NSS_STEP_CLOSE_FDS, rc);
    struct nss_failure failure; // sent on the sync socket already
    nss_exit(nss_run_program(start->program, start->program_length, fd, start->die_with_parent, &failure));
}

