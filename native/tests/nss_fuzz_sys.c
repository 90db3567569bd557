// The fuzzer's system calls (nss_sys.h with NSS_SYS_FAKE): none is made. Each checks what the interpreter
// passes as the kernel would read it (every path and string inside the program, terminated; structures read
// whole, so the sanitizers see any stray pointer), may fail on purpose, and a successful execve or an exit
// jumps back to the harness.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/openat2.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>

#include "../nss_stage2.h"
#include "../nss_sys.h"
#include "nss_fuzz.h"

#define AT_EMPTY_PATH_FLAG 0x1000

static volatile uint64_t sink;

static void read_bytes(const void *p, size_t n)
{
    const volatile uint8_t *b = p;
    uint64_t sum = 0;
    for (size_t i = 0; i < n; i++) sum += b[i];
    sink += sum;
}

// A string the kernel would read from the program: not NULL, inside it, and terminated there.
static void program_string(long p, const char *what)
{
    const char *s = (const char *)p;
    const char *base = (const char *)fake.program;
    if (!s) fuzz_fail("%s: NULL passed to the kernel", what);
    if (s < base || s >= base + fake.length) fuzz_fail("%s: pointer outside the program", what);
    size_t n = strnlen(s, (size_t)(base + fake.length - s));
    if (s + n >= base + fake.length) fuzz_fail("%s: string not terminated inside the program", what);
}

static void optional_string(long p, const char *what)
{
    if (p) program_string(p, what);
}

static void string_array(long p, const char *what)
{
    const char *const *items = (const char *const *)p;
    const uint8_t *base = fake.program;
    if ((const uint8_t *)items < base || (const uint8_t *)items >= base + fake.length)
        fuzz_fail("%s: array outside the program", what);
    for (size_t i = 0;; i++) {
        if ((const uint8_t *)&items[i + 1] > base + fake.length) fuzz_fail("%s: array runs past the program", what);
        if (!items[i]) break;
        program_string((long)items[i], what);
    }
}

static long injected(void)
{
    static const int errnos[] = {EPERM, ENOENT, EEXIST, EINVAL, EACCES, ENOTDIR, EBUSY, EIO, ENOSPC};
    long index = fake.calls++;
    if (index == fake.fail_call) return -fake.fail_errno;
    if (fake.fail_one_in && fuzz_next(&fake.rng) % fake.fail_one_in == 0)
        return -errnos[fuzz_next(&fake.rng) % (sizeof errnos / sizeof errnos[0])];
    return 0;
}

static long recv_reply(long fd, long buf, long size)
{
    if (fd != fake.sync_fd) fuzz_fail("recvfrom on fd %ld, not the sync socket", fd);
    if (size < 4) fuzz_fail("recvfrom buffer of %ld bytes", size);
    enum reply reply = fake.go_done ? fake.start : fake.go;
    int32_t word = fake.go_done ? NSS_MSG_START : NSS_MSG_GO;
    fake.go_done = 1;
    switch (reply) {
    case REPLY_EOF:
        fake.eof_given = 1;
        return 0;
    case REPLY_WRONG:
        word = 0x0badf00d;
        break;
    case REPLY_ERROR:
        return -EIO;
    case REPLY_OK:
        break;
    }
    memcpy((void *)buf, &word, 4);
    return 4;
}

static long sent(long fd, long buf, long size)
{
    if (fd != fake.sync_fd) fuzz_fail("sendto on fd %ld, not the sync socket", fd);
    read_bytes((const void *)buf, (size_t)size);
    int32_t words[3] = {0, 0, 0};
    if (size >= 12) memcpy(words, (const void *)buf, 12);
    else if (size >= 4) memcpy(words, (const void *)buf, 4);
    if (size == 12 && words[0] == NSS_MSG_STAGE2_FAILED) {
        fake.sent_failure = 1;
        fake.sent_index = words[1];
        fake.sent_err = words[2];
    } else if (size == 4 && (words[0] == NSS_MSG_READY || words[0] == NSS_MSG_PAUSED)) {
        // a container's stage 2 announcing where it waits
    } else if (size >= 8 && words[0] == NSS_MSG_TIMING) {
        if (words[1] < 0 || words[1] > 32 || size != 8 + words[1] * (long)sizeof(struct nss_stamp))
            fuzz_fail("timing message of %ld bytes for %d stamps", size, words[1]);
    } else {
        fuzz_fail("unknown message of %ld bytes", size);
    }
    return size;
}

long nss_fake_sys(long n, long a, long b, long c, long d, long e, long f)
{
    (void)f;
    long fail = injected();
    switch (n) {
    case SYS_recvfrom:
        return recv_reply(a, b, c);
    case SYS_sendto:
        return sent(a, b, c);
    case SYS_recvmsg: // NSS_OP_RECV_TREE: no tree comes from the fake parent
        if (a != fake.sync_fd) fuzz_fail("recvmsg on fd %ld, not the sync socket", a);
        read_bytes((const void *)b, sizeof(struct msghdr));
        return fail ? fail : -EPROTO;
    case SYS_ppoll: {
        struct pollfd *p = (struct pollfd *)a;
        read_bytes(p, sizeof *p);
        read_bytes((const void *)c, sizeof(struct timespec));
        if (fake.poll != REPLY_EOF) return 0;
        fake.gone_given = 1;
        p->revents = POLLRDHUP;
        return 1;
    }
    case SYS_clock_gettime:
        memset((void *)b, 0, sizeof(struct timespec));
        return 0;
    case SYS_mount:
        optional_string(a, "mount source");
        program_string(b, "mount target");
        optional_string(c, "mount fstype");
        optional_string(e, "mount data");
        return fail;
    case SYS_mount_setattr:
        if (c & AT_EMPTY_PATH_FLAG) read_bytes((const void *)b, 1);
        else program_string(b, "mount_setattr path");
        read_bytes((const void *)d, (size_t)e);
        return fail;
    case SYS_open_tree:
        if (c & AT_EMPTY_PATH_FLAG) read_bytes((const void *)b, 1);
        else program_string(b, "open_tree path");
        return fail ? fail : 100 + (long)(fuzz_next(&fake.rng) % 1000);
    case SYS_move_mount:
        read_bytes((const void *)b, 1);
        program_string(d, "move_mount target");
        return fail;
    case SYS_umount2:
        program_string(a, "umount target");
        return fail;
    case SYS_mkdirat:
        program_string(b, "mkdir path");
        return fail ? fail : fake.random_types && fuzz_next(&fake.rng) % 4 == 0 ? -EEXIST : 0;
    case SYS_openat:
        program_string(b, "open path");
        return fail ? fail : fake.random_types && fuzz_next(&fake.rng) % 4 == 0 ? -EEXIST : 50;
    case SYS_newfstatat: {
        static const mode_t types[] = {S_IFDIR, S_IFREG, S_IFLNK, S_IFSOCK};
        program_string(b, "stat path");
        struct stat *st = (struct stat *)c;
        memset(st, 0, sizeof *st);
        // Without random types: what a mount point (lstat) or a command (stat) should be.
        mode_t type = fake.random_types ? types[fuzz_next(&fake.rng) % 4] : d & AT_SYMLINK_NOFOLLOW ? S_IFDIR : S_IFREG;
        st->st_mode = type | 0755;
        return fail;
    }
    case SYS_openat2: {
        // The path is the program's, or its parent's text copied to the interpreter's stack.
        const char *path = (const char *)b;
        read_bytes(path, strnlen(path, 4096) + 1);
        if ((unsigned long)d != sizeof(struct open_how)) fuzz_fail("openat2 with a struct of %ld bytes", d);
        read_bytes((const void *)c, (size_t)d);
        return fail ? fail : 70;
    }
    case SYS_unlinkat:
        program_string(b, "unlink path");
        return fail;
    case SYS_faccessat:
        program_string(b, "access path");
        return fail;
    case SYS_symlinkat:
        program_string(a, "symlink target");
        program_string(c, "symlink path");
        return fail;
    case SYS_pivot_root:
        program_string(a, "pivot_root new root");
        program_string(b, "pivot_root put old");
        return fail;
    case SYS_chdir:
        program_string(a, "chdir path");
        return fail;
    case SYS_sethostname:
        if ((unsigned long)b > 64) return -EINVAL; // the kernel's limit, checked before it reads
        program_string(a, "hostname");
        read_bytes((const void *)a, (size_t)b);
        return fail;
    case SYS_prlimit64:
        read_bytes((const void *)c, 16);
        return fail;
    case SYS_prctl:
        if (a == PR_CAPBSET_DROP && b >= 41) return -EINVAL; // past the last capability
        return fail;
    case SYS_capset:
        read_bytes((const void *)a, 8);
        read_bytes((const void *)b, 24);
        return fail;
    case SYS_socket:
        return fail ? fail : 60;
    case SYS_ioctl:
        if (b == TIOCSCTTY) return fail;
        if (b == TIOCSPTLCK) { read_bytes((const void *)c, 4); return fail; }
        if (b == TIOCGPTPEER) return fail ? fail : 70;
        read_bytes((const void *)c, 40);
        memset((char *)c + 16, 0, 2); // ifr_flags
        return fail;
    case SYS_rt_sigaction:
        read_bytes((const void *)b, 32);
        return 0;
    case SYS_rt_sigprocmask:
        read_bytes((const void *)b, 8);
        return 0;
    case SYS_seccomp: {
        const struct sock_fprog *prog = (const struct sock_fprog *)c;
        read_bytes(prog, sizeof *prog);
        read_bytes(prog->filter, prog->len * sizeof(struct sock_filter));
        return fail;
    }
    case SYS_execve:
        program_string(a, "execve path");
        string_array(b, "argv");
        string_array(c, "envp");
        if (fail) return fail;
        longjmp(*fake.env, RAN_EXEC);
    case SYS_sendmsg: {
        const struct msghdr *m = (const struct msghdr *)b;
        read_bytes(m, sizeof *m);
        read_bytes(m->msg_iov, sizeof(struct iovec));
        read_bytes(m->msg_control, m->msg_controllen);
        return fail ? fail : 4;
    }
    case SYS_setns:
    case SYS_dup3:
        return fail;
    case SYS_mknodat:
        program_string(b, "mknod path");
        return fail;
    case SYS_fchmodat:
        program_string(b, "chmod path");
        return fail;
    case SYS_write:
        read_bytes((const void *)b, (size_t)c);
        return fail ? fail : c;
    case SYS_read: { // the exec fifo: the start message
        if (fail) return fail;
        if (c < 4) fuzz_fail("read of %ld bytes", c);
        int32_t start = NSS_MSG_START;
        memcpy((void *)b, &start, 4);
        return 4;
    }
    case SYS_sched_setaffinity:
        read_bytes((const void *)c, (size_t)b);
        return fail;
    case SYS_setgroups:
        read_bytes((const void *)b, (size_t)a * 4);
        return fail;
    case SYS_personality:
    case SYS_setpriority:
    case SYS_setsid:
    case SYS_setresgid:
    case SYS_setresuid:
    case SYS_close:
    case SYS_close_range:
        return fail;
    default:
        fuzz_fail("unexpected system call %ld", n);
    }
}

void nss_fake_exit(int status)
{
    fake.exit_status = status;
    longjmp(*fake.env, RAN_EXIT);
}
