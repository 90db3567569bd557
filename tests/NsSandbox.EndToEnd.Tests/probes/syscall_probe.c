// Makes the system calls named on its command line and prints one line each: "NAME: ok" or
// "NAME: errno N". The seccomp tests compile it with gcc and run it in real sandboxes.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <linux/filter.h>
#include <linux/keyctl.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <sched.h>
#include <stddef.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef AF_VSOCK
#define AF_VSOCK 40
#endif
#define X32_SYSCALL_BIT 0x40000000

static void *thread_main(void *arg) { return arg; }
static void *thread_ptrace(void *arg) { ptrace(PTRACE_TRACEME, 0, NULL, NULL); return arg; }

static long run(const char *name)
{
    /* Stays alive a second, so the launcher can tell whose audit record an earlier call made. */
    if (!strcmp(name, "linger")) return sleep(1) == 0 ? 0 : -1;
    if (!strcmp(name, "getppid")) return syscall(SYS_getppid) < 0 ? -1 : 0;
    if (!strcmp(name, "uname")) { struct utsname u; return uname(&u); }
    if (!strcmp(name, "unshare_user")) return unshare(CLONE_NEWUSER);
    if (!strcmp(name, "clone_newuser")) {
        long pid = syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0);
        if (pid == 0) _exit(0);
        if (pid > 0) waitpid((pid_t)pid, NULL, 0);
        return pid < 0 ? -1 : 0;
    }
    if (!strcmp(name, "fork")) {
        pid_t pid = fork();
        if (pid == 0) _exit(0);
        if (pid > 0) waitpid(pid, NULL, 0);
        return pid < 0 ? -1 : 0;
    }
    if (!strcmp(name, "thread")) {
        pthread_t t;
        int err = pthread_create(&t, NULL, thread_main, NULL);
        if (err != 0) { errno = err; return -1; }
        return pthread_join(t, NULL);
    }
    // ptrace from a second thread: whether the filter ends the thread or the whole process is the action's.
    if (!strcmp(name, "thread_ptrace")) {
        pthread_t t;
        int err = pthread_create(&t, NULL, thread_ptrace, NULL);
        if (err != 0) { errno = err; return -1; }
        return pthread_join(t, NULL);
    }
    if (!strcmp(name, "ptrace")) return ptrace(PTRACE_TRACEME, 0, NULL, NULL);
    // The mount point does not exist: without a filter the kernel answers ENOENT before any privilege check.
    if (!strcmp(name, "mount")) return mount("none", "/nonexistent-probe-dir", "tmpfs", 0, NULL);
    if (!strcmp(name, "keyctl")) return syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 1);
    // An invalid command: without a filter the kernel answers EINVAL (or EPERM when unprivileged bpf is off).
    if (!strcmp(name, "bpf")) return syscall(SYS_bpf, 0x7fff, NULL, 0);
    if (!strcmp(name, "personality_query")) return personality(0xffffffff) < 0 ? -1 : 0;
    if (!strcmp(name, "personality_bsd")) return personality(0x0006) < 0 ? -1 : 0;
    if (!strcmp(name, "socket_unix")) { int fd = socket(AF_UNIX, SOCK_STREAM, 0); if (fd >= 0) close(fd); return fd < 0 ? -1 : 0; }
    if (!strcmp(name, "socket_inet")) { int fd = socket(AF_INET, SOCK_STREAM, 0); if (fd >= 0) close(fd); return fd < 0 ? -1 : 0; }
    if (!strcmp(name, "open_read")) { int fd = open("/etc/passwd", O_RDONLY); if (fd >= 0) close(fd); return fd < 0 ? -1 : 0; }
    // Memory, arithmetic and output only: what a compute job does. Prints "checksum: N" before its own line.
    if (!strcmp(name, "compute")) {
        size_t n = 8u << 20;
        unsigned *v = malloc(n * sizeof *v);
        if (v == NULL) return -1;
        unsigned long long sum = 0;
        for (size_t i = 0; i < n; i++) v[i] = (unsigned)(i * 2654435761u);
        for (size_t i = 0; i < n; i++) sum += v[i] % 1000;
        free(v);
        printf("checksum: %llu\n", sum);
        return 0;
    }
    if (!strcmp(name, "socket_vsock")) { int fd = socket(AF_VSOCK, SOCK_STREAM, 0); if (fd >= 0) close(fd); return fd < 0 ? -1 : 0; }
    if (!strcmp(name, "getpid_native")) return syscall(SYS_getpid) < 0 ? -1 : 0;
    // clone3 without arguments (EFAULT or EINVAL from the kernel); mseal of nothing, a call of Linux 6.10.
    if (!strcmp(name, "clone3")) return syscall(435, NULL, 0);
    if (!strcmp(name, "mseal")) return syscall(462, 0, 0, 0);
    if (!strcmp(name, "x32_getpid")) return syscall(X32_SYSCALL_BIT | SYS_getpid) < 0 ? -1 : 0;
    if (!strcmp(name, "raise_sigsys")) return raise(SIGSYS);
    // A process that is not in any sandbox, killed by its own filter for getppid.
    if (!strcmp(name, "self_seccomp_kill")) {
        struct sock_filter f[] = {
            BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
            BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_getppid, 0, 1),
            BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
            BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        };
        struct sock_fprog prog = {sizeof f / sizeof f[0], f};
        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return -1;
        if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) != 0) return -1;
        return syscall(SYS_getppid);
    }
    fprintf(stderr, "unknown probe %s\n", name);
    errno = EINVAL;
    return -1;
}

int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        errno = 0;
        long r = run(argv[i]);
        if (r < 0) printf("%s: errno %d\n", argv[i], errno);
        else printf("%s: ok\n", argv[i]);
        fflush(stdout);
    }
    return 0;
}
