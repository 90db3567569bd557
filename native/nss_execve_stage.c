// Mode execve (-Me): the launcher becomes the sandbox. It execs itself with
//   argv = {exe, NSS_EXECVE_STAGE, program-fd, clone-flags, uid_map, gid_map, setgroups, log-fd}
// and this constructor, which runs before the .NET runtime has started a single thread, enters the new
// namespaces with unshare (impossible later: CLONE_NEWUSER refuses a multi-threaded caller). A process
// cannot map ids other than its own into its own user namespace, so a short-lived helper, forked before
// unshare and still privileged outside, writes the maps and exits (a failed write comes back over a pipe as
// {file, errno}, which this process prints). Then it runs stage 2's program from the
// memfd (nss_stage2.c), which ends in the target's execve: the runtime never starts.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "nss_shim.h"
#include "nss_stage2.h"

// Where this stage's own errors go: stderr, or the launcher's --log.
static int log_fd = 2;

static __attribute__((noreturn)) void fail(const char *what, int err)
{
    dprintf(log_fd, "nssandbox: %s: %s\n", what, strerror(err));
    _exit(NSS_SETUP_EXIT);
}

// The map helper's report when a write fails: which file of map_files, and errno.
struct map_failure {
    int32_t file, err;
};
static const char *const map_files[] = {"uid_map", "setgroups", "gid_map"};

// In the helper: writes one of the parent's map files, or reports why not on report_fd and exits.
static void write_map(pid_t parent, int32_t file, const char *text, int report_fd)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/%s", (int)parent, map_files[file]);
    size_t len = strlen(text);
    int err = 0, fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0) {
        err = errno;
    } else {
        ssize_t n = write(fd, text, len);
        err = n < 0 ? errno : (size_t)n != len ? EIO : 0;
        close(fd);
    }
    if (err == 0) return;
    struct map_failure f = {file, err};
    if (write(report_fd, &f, sizeof f) != sizeof f) _exit(2);
    _exit(1);
}

// --trace_timing measures from here: the first code of this process to run, before the .NET runtime starts.
static int64_t start_ns;

int64_t nss_start_time_ns(void) { return start_ns; }

// The program the launcher left in a memfd, in private writable memory (the interpreter relocates it in place).
static void run_program(const char *fd_text)
{
    int fd = (int)strtol(fd_text, NULL, 10);
    struct stat st;
    if (fstat(fd, &st) != 0) fail("stage 2 program", errno);
    if (st.st_size <= 0 || st.st_size > (1 << 30)) fail("stage 2 program", EINVAL);
    void *program = mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    if (program == MAP_FAILED) fail("stage 2 program", errno);
    close(fd);
    struct nss_failure f;
    int status = nss_run_program(program, (uint32_t)st.st_size, -1, 0, &f);
    dprintf(log_fd, "nssandbox: %s: %s\n", f.what ? f.what : "stage 2 program", strerror(f.err));
    _exit(status);
}

static void enter_namespaces(unsigned long flags, char **argv)
{
    if (!(flags & CLONE_NEWUSER)) {
        if (unshare((int)flags) != 0) fail("unshare", errno);
        return;
    }
    int go[2], report[2];
    if (pipe2(go, O_CLOEXEC) != 0 || pipe2(report, O_CLOEXEC) != 0) fail("pipe", errno);
    pid_t helper = fork();
    if (helper < 0) fail("fork", errno);
    if (helper == 0) {
        char c;
        if (read(go[0], &c, 1) != 1) _exit(3); // unshare failed: the parent says so
        pid_t parent = getppid();
        write_map(parent, 0, argv[4], report[1]);
        write_map(parent, 1, argv[6], report[1]);
        write_map(parent, 2, argv[5], report[1]);
        _exit(0);
    }
    close(go[0]);
    close(report[1]);
    int err = unshare((int)flags) == 0 ? 0 : errno;
    if (err == 0) {
        char c = 'g';
        if (write(go[1], &c, 1) != 1) err = errno;
    }
    close(go[1]); // without the byte, the helper exits untouched
    int status = 0;
    while (waitpid(helper, &status, 0) < 0 && errno == EINTR) {
    }
    if (err != 0) fail("unshare", err);
    struct map_failure f;
    if (read(report[0], &f, sizeof f) == sizeof f && f.file >= 0 && f.file < 3) {
        char what[32];
        snprintf(what, sizeof what, "write %s", map_files[f.file]);
        fail(what, f.err);
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        dprintf(log_fd, "nssandbox: the id map helper ended with status 0x%x\n", (unsigned)status);
        _exit(NSS_SETUP_EXIT);
    }
    close(report[0]);
}

__attribute__((constructor)) static void nss_execve_stage(int argc, char **argv, char **envp)
{
    (void)envp;
    struct timespec now;
    if (clock_gettime(CLOCK_MONOTONIC, &now) == 0) start_ns = (int64_t)now.tv_sec * 1000000000 + now.tv_nsec;
    if (argc < 7 || strcmp(argv[1], NSS_EXECVE_STAGE) != 0) return;
    if (argc > 7) log_fd = (int)strtol(argv[7], NULL, 10);
    enter_namespaces(strtoul(argv[3], NULL, 0), argv);
    run_program(argv[2]);
}
