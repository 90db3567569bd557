// Stage 2's interpreter: executes the program the parent compiled from the plan (nss_stage2.h), inside the
// new namespaces. It runs in the child of clone, which may share the parent's memory and thread-local state
// (nss_shim.c), so it makes raw system calls (nss_sys.h), allocates nothing and writes only its own stack
// (the run state too) and its program. Built without the stack protector, like nss_child.c.
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <linux/openat2.h>
#include <time.h>

#include "nss_shim.h"
#include "nss_stage2.h"
#include "nss_sys.h"
#include "nss_target.h"

#ifndef SYS_open_tree
#define SYS_open_tree 428
#endif
#ifndef SYS_move_mount
#define SYS_move_mount 429
#endif
#ifndef SYS_mount_setattr
#define SYS_mount_setattr 442
#endif
#ifndef SYS_openat2
#define SYS_openat2 437
#endif
#define NSS_OPEN_TREE_CLONE 1u
#define NSS_AT_RECURSIVE 0x8000u
#define NSS_MOVE_MOUNT_F_EMPTY_PATH 0x4u

struct nss_mount_attr {
    uint64_t attr_set, attr_clr, propagation, userns_fd;
};

struct run {
    char *base;
    uint32_t length;
    int sync_fd;
    int die_with_parent;
    struct nss_failure *failure;
    int slots[NSS_PROG_SLOTS];
    struct nss_stamp stamps[32];
    uint32_t stamp_count;
};

static void stamp(struct run *r, uint32_t op)
{
    if (r->stamp_count >= sizeof r->stamps / sizeof r->stamps[0]) return;
    struct timespec now = {0, 0};
    nss_sys2(SYS_clock_gettime, CLOCK_MONOTONIC, (long)&now); // libc's would write errno on failure
    r->stamps[r->stamp_count].op = op;
    r->stamps[r->stamp_count].pad = 0;
    r->stamps[r->stamp_count].ns = (int64_t)now.tv_sec * 1000000000 + now.tv_nsec;
    r->stamp_count++;
}

// A string operand, NULL for offset 0 or one outside the program (the program ends with a NUL, so every
// offset inside it is terminated).
static const char *str(const struct run *r, uint64_t off)
{
    return off == 0 || off >= r->length ? NULL : r->base + off;
}

// Which of the operands a, b, c and e are strings: 'S' one the op needs, 's' one that may be 0 (NULL), '-' none.
static const char *const string_operands[NSS_OP_LIMIT] = {
    [NSS_OP_MOUNT] = "sSss",      [NSS_OP_SETATTR] = "S---",    [NSS_OP_OPEN_TREE] = "S---",
    [NSS_OP_MOVE_MOUNT] = "S---", [NSS_OP_UMOUNT] = "S---",     [NSS_OP_ENSURE_DIR] = "S---",
    [NSS_OP_ENSURE_FILE] = "S---", [NSS_OP_REQUIRE] = "S---",   [NSS_OP_SYMLINK] = "SS--",
    [NSS_OP_PIVOT_ROOT] = "SS--", [NSS_OP_CHDIR] = "S---",      [NSS_OP_SETHOSTNAME] = "S---",
    [NSS_OP_OPEN] = "S---",       [NSS_OP_SETNS] = "S---",      [NSS_OP_OPEN_PTY] = "S---",
    [NSS_OP_MKNOD] = "S---",      [NSS_OP_WRITE_FILE] = "SS--", [NSS_OP_NULL_FDS] = "S---",
    [NSS_OP_RMDIR] = "S---",
};

struct strings_of_op {
    const char *a, *b, *c, *e;
};

// The op's string operands as pointers; -EINVAL for one missing or outside the program, so that no call gets
// a NULL or stray path from a malformed program.
static long resolve_strings(const struct run *r, const struct nss_op *op, struct strings_of_op *s)
{
    const char *kinds = op->code < NSS_OP_LIMIT && string_operands[op->code] ? string_operands[op->code] : "----";
    const uint64_t offsets[4] = {op->a, op->b, op->c, op->e};
    const char **out[4] = {&s->a, &s->b, &s->c, &s->e};
    for (int i = 0; i < 4; i++) {
        *out[i] = kinds[i] == '-' ? NULL : str(r, offsets[i]);
        if (!*out[i] && kinds[i] != '-' && !(kinds[i] == 's' && offsets[i] == 0)) return -EINVAL;
    }
    return 0;
}

// A string array, its offsets turned into pointers in place; NULL unless it lies whole inside the program.
static char *const *strings(struct run *r, uint32_t off)
{
    if (off == 0 || off % 8 != 0 || (uint64_t)off + 16 > r->length) return NULL; // the count and the closing 0
    uint64_t *words = (uint64_t *)(void *)(r->base + off);
    uint64_t count = words[0];
    if (count > (r->length - off) / 8 - 2) return NULL;
    uint64_t *items = words + 1;
    for (uint64_t i = 0; i < count; i++) {
        if (items[i] == 0 || items[i] >= r->length) return NULL;
        items[i] = (uint64_t)(uintptr_t)(r->base + items[i]);
    }
    items[count] = 0;
    return (char *const *)(void *)items;
}

// A block of 8-byte words ({uint32 count; pad; words}), NULL unless it lies whole inside the program.
static const void *words(const struct run *r, uint64_t off, uint32_t *count)
{
    if (off == 0 || off % 8 != 0 || off >= r->length || r->length - off < 8) return NULL;
    uint32_t n = *(const uint32_t *)(const void *)(r->base + off);
    if (n > (r->length - off - 8) / 8) return NULL;
    *count = n;
    return r->base + off + 8;
}

static int slot_fd(const struct run *r, uint32_t slot)
{
    return slot < NSS_PROG_SLOTS ? r->slots[slot] : -1;
}

static long lstat_mode(const char *path, mode_t *mode)
{
    struct stat st;
    long rc = nss_sys4(SYS_newfstatat, AT_FDCWD, (long)path, (long)&st, AT_SYMLINK_NOFOLLOW);
    *mode = rc == 0 ? st.st_mode : 0;
    return rc;
}

// A path of the sandbox's tree ("./usr/local/new") opened as an O_PATH handle with no symlink followed on the way:
// the plan resolved every link, so one met here appeared since (a chroot changed under the launcher) and would
// lead out of the sandbox's tree, to the host's (ELOOP). With O_NOFOLLOW a final symlink is opened itself.
static long open_no_symlinks(int dir, const char *path, uint64_t flags)
{
    struct open_how how;
    memset(&how, 0, sizeof how);
    how.flags = O_PATH | O_CLOEXEC | flags;
    how.resolve = RESOLVE_NO_SYMLINKS;
    return nss_sys4(SYS_openat2, dir, (long)path, (long)&how, sizeof how);
}

// The directory holding a path's last component, opened without following symlinks, and that component. The
// parent's text is copied to buf (the program's strings stay as they are).
static long open_parent(const char *path, char *buf, uint32_t size, const char **leaf)
{
    uint32_t n = 0, slash = 0;
    int found = 0;
    for (; path[n]; n++)
        if (path[n] == '/') slash = n, found = 1;
    if (!found || slash + 1 == n) return -EINVAL; // a plan's paths are "./a/b": always a parent and a name
    if (slash >= size) return -ENAMETOOLONG;
    memcpy(buf, path, slash);
    buf[slash == 0 ? 1 : slash] = 0;
    if (slash == 0) buf[0] = '/';
    *leaf = path + slash + 1;
    return open_no_symlinks(AT_FDCWD, buf, O_DIRECTORY);
}

static long lstat_at(int dir, const char *name, mode_t *mode)
{
    struct stat st;
    long rc = nss_sys4(SYS_newfstatat, dir, (long)name, (long)&st, AT_SYMLINK_NOFOLLOW);
    *mode = rc == 0 ? st.st_mode : 0;
    return rc;
}

// mkdir, create or symlink (kind 'd', 'f', 'l'), where an existing entry of the wanted type is fine and any other
// one is not; made only where the path leads without a symlink (open_no_symlinks).
static long make(const char *path, uint32_t mode, char kind, const char *link)
{
    char parent[4096];
    const char *leaf;
    long dir = open_parent(path, parent, sizeof parent, &leaf);
    if (dir < 0) return dir;
    long rc = kind == 'd' ? nss_sys3(SYS_mkdirat, dir, (long)leaf, mode)
              : kind == 'l' ? nss_sys3(SYS_symlinkat, (long)link, dir, (long)leaf)
                            : nss_sys4(SYS_openat, dir, (long)leaf, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, mode);
    if (rc >= 0) {
        if (kind == 'f') nss_sys1(SYS_close, rc);
        rc = 0;
    } else if (rc == -EEXIST && kind != 'l') {
        mode_t m;
        rc = lstat_at((int)dir, leaf, &m);
        if (rc == 0 && !(kind == 'd' ? S_ISDIR(m) : S_ISREG(m))) rc = -EEXIST;
    }
    nss_sys1(SYS_close, dir);
    return rc;
}

static long remove_dir(const char *path)
{
    char parent[4096];
    const char *leaf;
    long dir = open_parent(path, parent, sizeof parent, &leaf);
    if (dir < 0) return dir;
    long rc = nss_sys3(SYS_unlinkat, dir, (long)leaf, AT_REMOVEDIR);
    nss_sys1(SYS_close, dir);
    return rc;
}

// A detached copy of a mount tree (open_tree). A host path (a bind's source, before the skeleton exists) is
// looked up as given; a path of the sandbox's tree ("./...", a shadow's entry) without following a symlink.
static long clone_tree(const char *path, int recursive)
{
    unsigned flags = NSS_OPEN_TREE_CLONE | O_CLOEXEC | AT_SYMLINK_NOFOLLOW | (recursive ? NSS_AT_RECURSIVE : 0);
    if (path[0] != '.') return nss_sys3(SYS_open_tree, AT_FDCWD, (long)path, flags);
    long fd = open_no_symlinks(AT_FDCWD, path, O_NOFOLLOW);
    if (fd < 0) return fd;
    long tree = nss_sys3(SYS_open_tree, fd, (long)"", flags | AT_EMPTY_PATH);
    nss_sys1(SYS_close, fd);
    return tree;
}

static long require(const char *path, int directory)
{
    mode_t m;
    if (lstat_mode(path, &m) < 0) return -ENOENT;
    if (S_ISDIR(m) != (directory != 0)) return directory ? -ENOTDIR : -EISDIR;
    return 0;
}

static void send_timing(struct run *r)
{
    struct {
        int32_t magic, count;
        struct nss_stamp stamps[32];
    } msg;
    msg.magic = NSS_MSG_TIMING;
    msg.count = (int32_t)r->stamp_count;
    memcpy(msg.stamps, r->stamps, sizeof msg.stamps);
    nss_sys6(SYS_sendto, r->sync_fd, (long)&msg, 8 + r->stamp_count * sizeof(struct nss_stamp), MSG_NOSIGNAL, 0, 0);
}

// The supervisor is gone when its end of the channel is closed; then nobody would supervise the target. (A
// message waiting to be read is not that.)
static int parent_gone(int fd)
{
    struct pollfd p = {fd, POLLRDHUP, 0};
    struct timespec now = {0, 0};
    return nss_sys5(SYS_ppoll, (long)&p, 1, (long)&now, 0, 8) > 0 && (p.revents & (POLLRDHUP | POLLHUP));
}

// The next message from the parent, which must be `expected`. With the parent gone there is nothing left to
// set up for: the child exits.
static long await_message(int fd, int32_t expected)
{
    int32_t words[2] = {0, 0}; // room for more than one word, so a longer message is not cut to a valid one
    long n;
    do n = nss_sys6(SYS_recvfrom, fd, (long)words, sizeof words, 0, 0, 0);
    while (n == -EINTR);
    if (n == 0 || n == -ECONNRESET) nss_exit(NSS_SETUP_EXIT);
    if (n < 0) return n;
    return n == sizeof words[0] && words[0] == expected ? 0 : -EPROTO;
}

// A block of `size` bytes at offset `off` of the program (8-byte aligned), or NULL unless it lies whole inside.
static const void *block(const struct run *r, uint64_t off, uint64_t size)
{
    if (off == 0 || off % 8 != 0 || off >= r->length || size > r->length - off) return NULL;
    return r->base + off;
}

static long setgroups_list(const struct run *r, uint64_t off)
{
    const uint32_t *count = block(r, off, 4);
    if (!count || *count > 65536) return -EINVAL;
    const uint32_t *gids = block(r, off, 4 + (uint64_t)*count * 4);
    if (!gids) return -EINVAL;
    return nss_sys2(SYS_setgroups, *count, (long)(gids + 1));
}

static long write_file(const char *path, const char *text, long length)
{
    long fd = nss_sys4(SYS_openat, AT_FDCWD, (long)path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0);
    if (fd < 0) return fd;
    long done = 0, rc = 0;
    while (done < length) {
        rc = nss_sys3(SYS_write, fd, (long)(text + done), length - done);
        if (rc == -EINTR) continue;
        if (rc <= 0) break;
        done += rc;
    }
    nss_sys1(SYS_close, fd);
    return done == length ? 0 : rc < 0 ? rc : -EIO;
}

// Tells the parent this point of the program is reached.
static long announce(const struct run *r, int32_t message)
{
    if (r->sync_fd < 0) return -EINVAL;
    long rc = nss_sys6(SYS_sendto, r->sync_fd, (long)&message, sizeof message, MSG_NOSIGNAL, 0, 0);
    return rc < 0 ? rc : 0;
}

// A created container: the parent learns it is set up, and may be gone by the time `start` writes the start
// message into the fifo the program opened (opened read-write, so the read blocks until a writer writes).
static long await_fifo(struct run *r, uint32_t slot)
{
    int fd = slot_fd(r, slot);
    if (fd < 0) return -EBADF;
    long rc = announce(r, NSS_MSG_READY);
    if (rc < 0) return rc;
    int32_t word = 0;
    long n;
    do n = nss_sys3(SYS_read, fd, (long)&word, sizeof word);
    while (n == -EINTR);
    if (n < 0) return n;
    if (n != sizeof word || word != NSS_MSG_START) return -EPROTO;
    nss_sys1(SYS_close, fd);
    r->slots[slot] = -1;
    return 0;
}

// A terminal from the sandbox's own devpts (so the command's ttyname finds it): the slave becomes stdio, the
// master goes to the parent, which hands it to whoever holds the other side (an OCI engine's console socket).
static long open_pty(const struct run *r, const char *ptmx)
{
    if (r->sync_fd < 0) return -EINVAL;
    long master = nss_sys4(SYS_openat, AT_FDCWD, (long)ptmx, O_RDWR | O_NOCTTY | O_CLOEXEC, 0);
    if (master < 0) return master;
    int unlock = 0;
    long rc = nss_sys3(SYS_ioctl, master, TIOCSPTLCK, (long)&unlock);
    long slave = rc < 0 ? rc : nss_sys3(SYS_ioctl, master, TIOCGPTPEER, O_RDWR | O_NOCTTY);
    if (slave < 0) {
        nss_sys1(SYS_close, master);
        return slave;
    }
    for (int fd = 0; fd < 3 && rc >= 0; fd++) rc = nss_sys3(SYS_dup3, slave, fd, 0);
    nss_sys1(SYS_close, slave);
    if (rc >= 0) {
        int32_t word = NSS_MSG_PTY;
        struct iovec iov = {&word, sizeof word};
        union {
            struct cmsghdr header;
            char space[CMSG_SPACE(sizeof(int))];
        } control;
        memset(&control, 0, sizeof control);
        struct msghdr msg;
        memset(&msg, 0, sizeof msg);
        msg.msg_iov = &iov;
        msg.msg_iovlen = 1;
        msg.msg_control = control.space;
        msg.msg_controllen = sizeof control.space;
        control.header.cmsg_len = CMSG_LEN(sizeof(int));
        control.header.cmsg_level = SOL_SOCKET;
        control.header.cmsg_type = SCM_RIGHTS;
        int fd = (int)master;
        memcpy(CMSG_DATA(&control.header), &fd, sizeof fd);
        rc = nss_sys3(SYS_sendmsg, r->sync_fd, (long)&msg, MSG_NOSIGNAL);
    }
    nss_sys1(SYS_close, master);
    return rc < 0 ? rc : 0;
}

// A mount tree the parent made where stage 2 cannot (an id-mapped rootfs needs the user namespace this process
// is in, and an overlay over id-mapped layers the parent's credentials): one NSS_MSG_TREE word and one descriptor.
static long recv_tree(struct run *r, uint32_t slot)
{
    if (r->sync_fd < 0 || slot >= NSS_PROG_SLOTS) return -EINVAL;
    int32_t words[2] = {0, 0};
    struct iovec iov = {words, sizeof words};
    union {
        struct cmsghdr header;
        char space[CMSG_SPACE(sizeof(int))];
    } control;
    memset(&control, 0, sizeof control);
    struct msghdr msg;
    memset(&msg, 0, sizeof msg);
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control.space;
    msg.msg_controllen = sizeof control.space;
    long n;
    do n = nss_sys3(SYS_recvmsg, r->sync_fd, (long)&msg, MSG_CMSG_CLOEXEC);
    while (n == -EINTR);
    if (n == 0 || n == -ECONNRESET) nss_exit(NSS_SETUP_EXIT);
    if (n < 0) return n;
    int fd = -1;
    if (msg.msg_controllen >= CMSG_LEN(sizeof(int)) && control.header.cmsg_level == SOL_SOCKET
        && control.header.cmsg_type == SCM_RIGHTS && control.header.cmsg_len == CMSG_LEN(sizeof(int)))
        memcpy(&fd, CMSG_DATA(&control.header), sizeof fd);
    if (n != sizeof words[0] || words[0] != NSS_MSG_TREE || fd < 0 || (msg.msg_flags & MSG_CTRUNC)) {
        if (fd >= 0) nss_sys1(SYS_close, fd);
        return -EPROTO;
    }
    r->slots[slot] = fd;
    return 0;
}

static long exec(struct run *r, const struct nss_op *op, uint32_t index)
{
    char *const *candidates = strings(r, op->a);
    char *const *argv = strings(r, op->b);
    char *const *envp = strings(r, op->c);
    if (!candidates || !argv || !envp) return -EINVAL;
    int count = 0;
    while (candidates[count]) count++;
    struct nss_exec_req req;
    memset(&req, 0, sizeof req);
    req.candidates = (const char *const *)candidates;
    req.candidate_count = count;
    req.argv = argv;
    req.envp = envp;
    req.seccomp_flags = (uint32_t)op->e;
    req.keep_privileges = (op->e & NSS_EXEC_KEEP_PRIVS) != 0;
    req.exec_fd = -1;
    if (op->e & NSS_EXEC_FROM_SLOT) {
        req.exec_fd = slot_fd(r, NSS_EXEC_SLOT(op->e));
        if (req.exec_fd < 0) return -EBADF;
    }
    if (op->d != 0) {
        uint32_t n = 0;
        req.filter = words(r, op->d, &n);
        if (!req.filter) return -EINVAL;
        req.filter_len = (int32_t)n;
    }
    if (r->sync_fd >= 0) {
        if (r->die_with_parent && parent_gone(r->sync_fd)) nss_exit(NSS_SETUP_EXIT);
        if (r->stamp_count > 0) {
            stamp(r, index);
            send_timing(r);
        }
    }
    return nss_exec_target(&req);
}

static long run_op(struct run *r, const struct nss_op *op, uint32_t index)
{
    struct strings_of_op s;
    long rc = resolve_strings(r, op, &s);
    if (rc < 0) return rc;
    const char *a = s.a, *b = s.b;
    struct nss_mount_attr attr;
    memset(&attr, 0, sizeof attr);
    attr.attr_set = op->d;
    switch (op->code) {
    case NSS_OP_MOUNT:
        return nss_sys5(SYS_mount, (long)a, (long)b, (long)s.c, (long)op->d, (long)s.e);
    case NSS_OP_SETATTR:
        return nss_sys5(SYS_mount_setattr, AT_FDCWD, (long)a, AT_SYMLINK_NOFOLLOW | (op->b ? NSS_AT_RECURSIVE : 0),
                        (long)&attr, sizeof attr);
    case NSS_OP_OPEN_TREE: {
        if (op->c >= NSS_PROG_SLOTS) return -EINVAL;
        long fd = clone_tree(a, op->b != 0);
        if (fd < 0) return fd;
        r->slots[op->c] = (int)fd;
        return 0;
    }
    case NSS_OP_TREE_SETATTR:
        return nss_sys5(SYS_mount_setattr, slot_fd(r, op->c), (long)"", AT_EMPTY_PATH | (op->b ? NSS_AT_RECURSIVE : 0),
                        (long)&attr, sizeof attr);
    case NSS_OP_MOVE_MOUNT:
        return nss_sys5(SYS_move_mount, slot_fd(r, op->c), (long)"", AT_FDCWD, (long)a, NSS_MOVE_MOUNT_F_EMPTY_PATH);
    case NSS_OP_CLOSE:
        if (op->c < NSS_PROG_SLOTS && r->slots[op->c] >= 0) {
            nss_sys1(SYS_close, r->slots[op->c]);
            r->slots[op->c] = -1;
        }
        return 0;
    case NSS_OP_UMOUNT:
        return nss_sys2(SYS_umount2, (long)a, op->b);
    case NSS_OP_ENSURE_DIR:
        return make(a, op->b, 'd', NULL);
    case NSS_OP_ENSURE_FILE:
        return make(a, op->b, 'f', NULL);
    case NSS_OP_REQUIRE:
        return require(a, (int)op->b);
    case NSS_OP_SYMLINK:
        return make(b, 0, 'l', a);
    case NSS_OP_PIVOT_ROOT:
        return nss_sys2(SYS_pivot_root, (long)a, (long)b);
    case NSS_OP_CHDIR:
        return nss_sys1(SYS_chdir, (long)a);
    case NSS_OP_SETHOSTNAME: // the length must not reach past the program
        return op->b <= r->length - op->a ? nss_sys2(SYS_sethostname, (long)a, op->b) : -EINVAL;
    case NSS_OP_LOOPBACK_UP:
        return nss_loopback_up();
    case NSS_OP_SETRLIMIT: {
        struct rlimit64 limit = {op->d, op->e};
        return nss_sys4(SYS_prlimit64, 0, op->a, (long)&limit, 0);
    }
    case NSS_OP_SETSID:
        return nss_sys0(SYS_setsid);
    case NSS_OP_SETGROUPS_EMPTY:
        return nss_sys2(SYS_setgroups, 0, 0);
    case NSS_OP_SETRESGID:
        return nss_sys3(SYS_setresgid, op->a, op->a, op->a);
    case NSS_OP_SETRESUID:
        return nss_sys3(SYS_setresuid, op->a, op->a, op->a);
    case NSS_OP_DROP_CAPS:
        return nss_drop_capabilities();
    case NSS_OP_PDEATHSIG:
        return nss_sys2(SYS_prctl, PR_SET_PDEATHSIG, op->a);
    case NSS_OP_MARK:
        stamp(r, index);
        return 0;
    case NSS_OP_EXEC:
        return exec(r, op, index);
    case NSS_OP_PERSONALITY: {
        long rc = nss_sys1(SYS_personality, op->a); // the previous persona on success
        return rc < 0 ? rc : 0;
    }
    case NSS_OP_SETPRIORITY:
        return nss_sys3(SYS_setpriority, PRIO_PROCESS, 0, (int32_t)op->a);
    case NSS_OP_SETAFFINITY: {
        uint32_t n = 0;
        const void *mask = words(r, op->d, &n);
        if (!mask || n == 0) return -EINVAL;
        long rc = nss_sys3(SYS_sched_setaffinity, 0, (long)n * 8, (long)mask);
        return rc < 0 ? rc : 0;
    }
    case NSS_OP_DISABLE_TSC:
        return nss_sys2(SYS_prctl, PR_SET_TSC, PR_TSC_SIGSEGV);
    case NSS_OP_NULL_FDS:
        return nss_null_fds(a, op->b);
    case NSS_OP_AWAIT_START:
        return r->sync_fd >= 0 ? await_message(r->sync_fd, NSS_MSG_START) : -EINVAL; // mode execve has no parent
    case NSS_OP_OPEN: {
        if (op->c >= NSS_PROG_SLOTS) return -EINVAL;
        long fd = nss_sys4(SYS_openat, AT_FDCWD, (long)a, (long)(op->b | O_CLOEXEC), 0);
        if (fd < 0) return fd;
        r->slots[op->c] = (int)fd;
        return 0;
    }
    case NSS_OP_AWAIT_FIFO:
        return await_fifo(r, op->c);
    case NSS_OP_CAP_BOUNDING:
        return nss_cap_bounding(op->d);
    case NSS_OP_CAPSET: {
        const uint64_t *sets = block(r, op->d, 4 * sizeof(uint64_t));
        return sets ? nss_capset(sets) : -EINVAL;
    }
    case NSS_OP_KEEPCAPS:
        return nss_sys2(SYS_prctl, PR_SET_KEEPCAPS, op->a != 0);
    case NSS_OP_SETGROUPS:
        return setgroups_list(r, op->d);
    case NSS_OP_MKNOD: { // the mode as given, not as the umask leaves it
        long rc = nss_sys4(SYS_mknodat, AT_FDCWD, (long)a, op->b, (long)op->d);
        return rc < 0 ? rc : nss_sys4(SYS_fchmodat, AT_FDCWD, (long)a, op->b & 07777, 0);
    }
    case NSS_OP_WRITE_FILE: // the length must not reach past the program
        return op->c <= r->length - op->b ? write_file(a, b, op->c) : -EINVAL;
    case NSS_OP_PAUSE: {
        long rc = announce(r, NSS_MSG_PAUSED);
        return rc < 0 ? rc : await_message(r->sync_fd, NSS_MSG_GO);
    }
    case NSS_OP_SETNS: {
        if (op->c) // a namespace opened into slot c-1 earlier (before a user namespace's join took the right to open it)
            return op->c <= NSS_PROG_SLOTS ? nss_sys2(SYS_setns, slot_fd(r, op->c - 1), op->b) : -EINVAL;
        long fd = nss_sys4(SYS_openat, AT_FDCWD, (long)a, O_RDONLY | O_CLOEXEC, 0);
        if (fd < 0) return fd;
        long rc = nss_sys2(SYS_setns, fd, op->b);
        nss_sys1(SYS_close, fd);
        return rc;
    }
    case NSS_OP_SECCOMP: {
        const uint32_t *count = block(r, op->d, 8);
        if (!count || *count == 0 || *count > 4096 || !block(r, op->d, 8 + (uint64_t)*count * 8)) return -EINVAL;
        struct sock_fprog_nss {
            unsigned short len;
            const void *filter;
        } prog = {(unsigned short)*count, r->base + op->d + 8};
        return nss_sys3(SYS_seccomp, 1 /* SECCOMP_SET_MODE_FILTER */, (long)(uint32_t)op->e, (long)&prog);
    }
    case NSS_OP_OPEN_PTY:
        return open_pty(r, a);
    case NSS_OP_SETCTTY:
        return nss_sys3(SYS_ioctl, op->a, TIOCSCTTY, 0);
    case NSS_OP_FIND_EXEC: {
        char *const *candidates = strings(r, op->a);
        if (!candidates) return -EINVAL;
        int count = 0;
        while (candidates[count]) count++;
        return nss_find_executable((const char *const *)candidates, count);
    }
    case NSS_OP_RECV_TREE:
        return recv_tree(r, op->c);
    case NSS_OP_RMDIR:
        return remove_dir(a);
    default:
        return -EINVAL;
    }
}

static int fail(const struct run *r, const struct nss_op *op, uint32_t index, int err)
{
    r->failure->index = index;
    r->failure->err = err;
    r->failure->what = op ? str(r, op->what) : NULL;
    if (r->sync_fd >= 0) {
        int32_t msg[3] = {NSS_MSG_STAGE2_FAILED, (int32_t)index, err};
        nss_sys6(SYS_sendto, r->sync_fd, (long)msg, sizeof msg, MSG_NOSIGNAL, 0, 0);
    }
    return op && op->code == NSS_OP_EXEC && err == ENOENT ? NSS_NOT_FOUND_EXIT : NSS_SETUP_EXIT;
}

int nss_run_program(void *program, uint32_t length, int sync_fd, int die_with_parent, struct nss_failure *failure)
{
    // On the child's own stack (~4.6 KiB of its 256 KiB): under CLONE_VM a static would be the parent's
    // memory, shared by every child it spawns at the same time.
    struct run r;
    r.base = program;
    r.length = length;
    r.sync_fd = sync_fd;
    r.die_with_parent = die_with_parent;
    r.failure = failure;
    r.stamp_count = 0;
    for (int i = 0; i < NSS_PROG_SLOTS; i++) r.slots[i] = -1;
    // The header, and each op below, are copied before use: an exec turns string arrays into pointers in place,
    // and in a malformed program those arrays may overlap them.
    struct nss_prog prog;
    if (length < sizeof prog) return fail(&r, NULL, NSS_STAMP_STARTED, EINVAL);
    memcpy(&prog, program, sizeof prog);
    if (prog.magic != NSS_PROG_MAGIC || prog.version != NSS_PROG_VERSION || prog.length != length ||
        r.base[length - 1] != 0 || prog.ops % 8 != 0 || prog.ops < sizeof prog || prog.ops > length ||
        prog.op_count > (length - prog.ops) / sizeof(struct nss_op))
        return fail(&r, NULL, NSS_STAMP_STARTED, EINVAL);
    if (prog.flags & NSS_PROG_TIMING) stamp(&r, NSS_STAMP_STARTED);
    if (sync_fd >= 0) {
        long rc = await_message(sync_fd, NSS_MSG_GO);
        if (rc < 0) return fail(&r, NULL, NSS_STAMP_GO, (int)-rc);
        if (prog.flags & NSS_PROG_TIMING) stamp(&r, NSS_STAMP_GO);
    }
    const struct nss_op *ops = (const struct nss_op *)(const void *)(r.base + prog.ops);
    for (uint32_t i = 0; i < prog.op_count; i++) {
        struct nss_op op = ops[i];
        long rc = run_op(&r, &op, i);
        if (rc < 0) return fail(&r, &op, i, (int)-rc);
    }
    return fail(&r, NULL, prog.op_count, EINVAL); // a program ends with its exec
}
