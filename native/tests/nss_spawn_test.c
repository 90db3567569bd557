// Spawns real children through nss_spawn (the objects the binary links), for SpawnTests:
//   nss_spawn_test concurrent ROUNDS   threads spawning at once, each child with its own program and stdout
//   nss_spawn_test await-start         the child waits after set-up until the start message
//   nss_spawn_test stdio               one socket as stdin, stdout and stderr, placed over the sync socket's number
//   nss_spawn_test bad-fd              a stdio descriptor that cannot be placed is reported as its step
//   nss_spawn_test die-with-parent N   the child of a process that exits is killed (N=1) or lives on (N=0)
//   nss_spawn_test parent-gone N       with the parent's end closed before the exec, the child exits (1) or execs (0)
//   nss_spawn_test no-symlinks         mkdir, create, symlink and rmdir follow no symlink on the way (in a temp dir)
// Children get no namespaces (clone flags 0): nothing is mounted or written outside the test's pipes. Every wait
// is bounded. Exit 0 and "ok" on success, 1 with a message on failure, 77 with a reason when it cannot run.
// Linked with nss_execve_stage.o, whose constructor also makes it a stand-in for mode execve's self-exec.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../nss_shim.h"
#include "nss_prog_builder.h"

#define WAIT_MS 10000

static __attribute__((noreturn)) void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "nss_spawn_test: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    exit(1);
}

struct program {
    uint8_t bytes[BUILDER_DATA + BUILDER_OPS * sizeof(struct nss_op) + 8];
    uint32_t length;
};

// [await start,] exec argv.
static void make_program(struct program *p, int await_start, const char *const *argv)
{
    struct builder *b = malloc(sizeof *b);
    if (!b) die("out of memory");
    b_init(b, 0);
    if (await_start) b_op(b, NSS_OP_AWAIT_START, 0, 0, 0, 0, 0, 0);
    b_exec(b, argv);
    p->length = b_finish(b, p->bytes, sizeof p->bytes);
    free(b);
}

struct spawned {
    struct nss_child child;
    int sync; // the parent's end
};

static struct spawned spawn(const struct program *p, int sync_end, int stdio_fd[3], int die_with_parent)
{
    struct nss_spawn_req req;
    memset(&req, 0, sizeof req);
    req.sync_fd = sync_end;
    req.cgroup_fd = -1;
    req.program = p->bytes;
    req.program_length = p->length;
    for (int i = 0; i < 3; i++) req.stdio_fds[i] = stdio_fd ? stdio_fd[i] : -1;
    req.die_with_parent = die_with_parent;
    struct spawned s;
    int rc = nss_spawn(&req, &s.child);
    if (rc < 0) die("nss_spawn: %s", strerror(-rc));
    return s;
}

static void socket_pair(int sv[2])
{
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) die("socketpair: %s", strerror(errno));
}

static void send_word(int fd, int32_t word)
{
    if (send(fd, &word, sizeof word, MSG_NOSIGNAL) != sizeof word) die("send: %s", strerror(errno));
}

static int readable(int fd, int ms)
{
    struct pollfd p = {fd, POLLIN, 0};
    int r;
    while ((r = poll(&p, 1, ms)) < 0 && errno == EINTR) {
    }
    return r > 0;
}

// The next message on the sync socket: 0 at end of file (the exec), else its length in words.
static int receive(int fd, int32_t words[4])
{
    if (!readable(fd, WAIT_MS)) die("no message or end of file on the sync socket in %d ms", WAIT_MS);
    ssize_t n = recv(fd, words, 16, 0);
    if (n < 0) die("recv: %s", strerror(errno));
    return (int)(n / 4);
}

// Everything written to fd until end of file (bounded).
static size_t read_all(int fd, char *buf, size_t cap)
{
    size_t n = 0;
    while (n + 1 < cap) {
        if (!readable(fd, WAIT_MS)) die("output did not end within %d ms", WAIT_MS);
        ssize_t r = read(fd, buf + n, cap - 1 - n);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) die("read: %s", strerror(errno));
        if (r == 0) break;
        n += (size_t)r;
    }
    buf[n] = 0;
    return n;
}

// Reaps the child (bounded through its pidfd) and returns its wait status.
static int reap(struct spawned *s)
{
    if (!readable(s->child.pidfd, WAIT_MS)) die("child %d did not exit within %d ms", s->child.pid, WAIT_MS);
    int status;
    while (waitpid(s->child.pid, &status, 0) < 0)
        if (errno != EINTR) die("waitpid: %s", strerror(errno));
    nss_child_release(&s->child);
    close(s->child.pidfd);
    return status;
}

static void expect_exit(int status, int code, const char *what)
{
    if (!WIFEXITED(status) || WEXITSTATUS(status) != code)
        die("%s: wait status 0x%x, expected exit %d", what, status, code);
}

// ---- concurrent

struct worker {
    int id, rounds;
    char error[200];
};

static void *work(void *arg)
{
    struct worker *w = arg;
    struct program *p = malloc(sizeof *p);
    if (!p) die("out of memory");
    for (int round = 0; round < w->rounds; round++) {
        char text[64], out[256], expected[80];
        snprintf(text, sizeof text, "worker-%d-round-%05d", w->id, round);
        const char *argv[] = {"/bin/echo", text, NULL};
        make_program(p, 0, argv);
        int sync[2], pipefd[2];
        socket_pair(sync);
        if (pipe2(pipefd, O_CLOEXEC) != 0) die("pipe: %s", strerror(errno));
        int stdio[3] = {-1, pipefd[1], -1};
        struct spawned s = spawn(p, sync[1], stdio, 1);
        close(sync[1]);
        close(pipefd[1]);
        send_word(sync[0], NSS_MSG_GO);
        int32_t words[4];
        int n = receive(sync[0], words);
        if (n != 0) die("worker %d round %d: message %#x %d %d", w->id, round, words[0], words[1], words[2]);
        read_all(pipefd[0], out, sizeof out);
        expect_exit(reap(&s), 0, text);
        snprintf(expected, sizeof expected, "%s\n", text);
        if (strcmp(out, expected) != 0) {
            snprintf(w->error, sizeof w->error, "worker %d round %d printed \"%.100s\"", w->id, round, out);
            break;
        }
        close(sync[0]);
        close(pipefd[0]);
    }
    free(p);
    return NULL;
}

static void concurrent(int rounds)
{
    enum { WORKERS = 4 };
    struct worker workers[WORKERS];
    pthread_t threads[WORKERS];
    for (int i = 0; i < WORKERS; i++) {
        workers[i] = (struct worker){i, rounds, ""};
        if (pthread_create(&threads[i], NULL, work, &workers[i]) != 0) die("pthread_create");
    }
    for (int i = 0; i < WORKERS; i++) pthread_join(threads[i], NULL);
    for (int i = 0; i < WORKERS; i++)
        if (workers[i].error[0]) die("%s", workers[i].error);
    printf("ok: %d workers x %d spawns, each child ran its own program\n", WORKERS, rounds);
}

// ---- await start

static struct spawned start_waiting(int sync[2], int pipefd[2], struct program *p, const char *text)
{
    const char *argv[] = {"/bin/echo", text, NULL};
    make_program(p, 1, argv);
    socket_pair(sync);
    if (pipe2(pipefd, O_CLOEXEC) != 0) die("pipe: %s", strerror(errno));
    int stdio[3] = {-1, pipefd[1], -1};
    struct spawned s = spawn(p, sync[1], stdio, 1);
    close(sync[1]);
    close(pipefd[1]);
    send_word(sync[0], NSS_MSG_GO);
    return s;
}

static void await_start(void)
{
    static struct program p;
    int sync[2], pipefd[2];
    char out[64];
    // Started: it execs only after the start message.
    struct spawned s = start_waiting(sync, pipefd, &p, "started");
    if (readable(sync[0], 200) || readable(pipefd[0], 0)) die("the child went on before the start message");
    send_word(sync[0], NSS_MSG_START);
    int32_t words[4];
    if (receive(sync[0], words) != 0) die("message %#x after start", words[0]);
    read_all(pipefd[0], out, sizeof out);
    if (strcmp(out, "started\n") != 0) die("printed \"%s\"", out);
    expect_exit(reap(&s), 0, "started");
    close(sync[0]);
    close(pipefd[0]);
    // Another message: that op fails with EPROTO.
    s = start_waiting(sync, pipefd, &p, "wrong");
    send_word(sync[0], NSS_MSG_GO);
    if (receive(sync[0], words) != 3 || words[0] != NSS_MSG_STAGE2_FAILED || words[1] != 0 || words[2] != EPROTO)
        die("a wrong message: got %#x %d %d", words[0], words[1], words[2]);
    expect_exit(reap(&s), NSS_SETUP_EXIT, "wrong message");
    close(sync[0]);
    close(pipefd[0]);
    // The parent's end closed: the child exits with the setup status, saying nothing.
    s = start_waiting(sync, pipefd, &p, "gone");
    close(sync[0]);
    expect_exit(reap(&s), NSS_SETUP_EXIT, "parent gone");
    close(pipefd[0]);
    printf("ok: waits for start; a wrong message fails the op; end of file exits %d\n", NSS_SETUP_EXIT);
}

// ---- stdio

static void stdio(void)
{
    static struct program p;
    const char *argv[] = {"/bin/sh", "-c", "read x; echo \"out:$x\"; echo \"err:$x\" >&2", NULL};
    make_program(&p, 0, argv);
    int sync[2], conn[2];
    socket_pair(sync);
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, conn) != 0) die("socketpair: %s", strerror(errno));
    // The sync socket's child end on fd 0 and the connection on fd 3: each sits on the other's place. Every end
    // is moved above 10 first, out of the way of those two.
    for (int i = 0; i < 2; i++) {
        int high[2] = {fcntl(sync[i], F_DUPFD_CLOEXEC, 10), fcntl(conn[i], F_DUPFD_CLOEXEC, 10)};
        if (high[0] < 0 || high[1] < 0) die("fcntl: %s", strerror(errno));
        close(sync[i]);
        close(conn[i]);
        sync[i] = high[0];
        conn[i] = high[1];
    }
    if (dup3(sync[1], 0, O_CLOEXEC) != 0 || dup3(conn[1], 3, O_CLOEXEC) != 3) die("dup3: %s", strerror(errno));
    close(sync[1]);
    close(conn[1]);
    int stdio_fd[3] = {3, 3, 3};
    struct spawned s = spawn(&p, 0, stdio_fd, 1);
    close(0);
    close(3);
    send_word(sync[0], NSS_MSG_GO);
    int32_t words[4];
    if (receive(sync[0], words) != 0) die("message %#x %d %d", words[0], words[1], words[2]);
    if (write(conn[0], "hi\n", 3) != 3) die("write: %s", strerror(errno));
    char out[64];
    read_all(conn[0], out, sizeof out);
    if (strcmp(out, "out:hi\nerr:hi\n") != 0) die("printed \"%s\"", out);
    expect_exit(reap(&s), 0, "stdio");
    printf("ok: one socket as stdin, stdout and stderr\n");
}

static void bad_fd(void)
{
    static struct program p;
    const char *argv[] = {"/bin/true", NULL};
    make_program(&p, 0, argv);
    int sync[2];
    socket_pair(sync);
    int stdio_fd[3] = {-1, 1000, -1}; // not open
    struct spawned s = spawn(&p, sync[1], stdio_fd, 1);
    close(sync[1]);
    int32_t words[4];
    int n = receive(sync[0], words);
    if (n != 3 || words[0] != NSS_MSG_SHIM_FAILED || words[1] != NSS_STEP_STDOUT || words[2] != EBADF)
        die("got %#x %d %d", words[0], words[1], words[2]);
    expect_exit(reap(&s), NSS_SETUP_EXIT, "bad fd");
    printf("ok: {NSS_STEP_STDOUT, EBADF}, exit %d\n", NSS_SETUP_EXIT);
}

// ---- die with parent

// Whether the process sits in recvfrom (the wait for go), per /proc/PID/syscall, within WAIT_MS.
static int blocked_in_recv(pid_t pid)
{
    char path[64], text[32];
    snprintf(path, sizeof path, "/proc/%d/syscall", (int)pid);
    for (int tries = 0; tries < WAIT_MS; tries++) {
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0) return 0;
        ssize_t n = read(fd, text, sizeof text - 1);
        close(fd);
        text[n > 0 ? n : 0] = 0;
        if (atoi(text) == SYS_recvfrom) return 1;
        struct timespec ms = {0, 1000 * 1000};
        nanosleep(&ms, NULL);
    }
    return 0;
}

static void die_with_parent(int dies)
{
    static struct program p;
    const char *argv[] = {"/bin/echo", "alive", NULL};
    make_program(&p, 1, argv);
    if (prctl(PR_SET_CHILD_SUBREAPER, 1) != 0) die("PR_SET_CHILD_SUBREAPER: %s", strerror(errno));
    int sync[2], pipefd[2], report[2];
    socket_pair(sync);
    if (pipe2(pipefd, O_CLOEXEC) != 0 || pipe2(report, O_CLOEXEC) != 0) die("pipe: %s", strerror(errno));
    pid_t middle = fork();
    if (middle < 0) die("fork: %s", strerror(errno));
    if (middle == 0) { // spawns the child and exits, as OCI create does
        int stdio_fd[3] = {-1, pipefd[1], -1};
        struct spawned s = spawn(&p, sync[1], stdio_fd, dies);
        // Not before the child has set its death signal: it sets it before it waits for go.
        if (!blocked_in_recv(s.child.pid)) _exit(3);
        if (write(report[1], &s.child.pid, sizeof s.child.pid) != sizeof s.child.pid) _exit(2);
        _exit(0);
    }
    close(sync[1]);
    close(pipefd[1]);
    close(report[1]);
    pid_t child;
    if (!readable(report[0], WAIT_MS) || read(report[0], &child, sizeof child) != sizeof child)
        die("no pid from the middle process");
    int status;
    if (waitpid(middle, &status, 0) != middle) die("waitpid: %s", strerror(errno));
    expect_exit(status, 0, "middle process");
    struct timespec pause = {0, 100 * 1000 * 1000};
    nanosleep(&pause, NULL); // a death signal would have arrived by now
    int32_t go = NSS_MSG_GO, start = NSS_MSG_START;
    send(sync[0], &go, 4, MSG_NOSIGNAL); // fails once the child is dead
    send(sync[0], &start, 4, MSG_NOSIGNAL);
    char out[64];
    read_all(pipefd[0], out, sizeof out);
    // The child is now ours (subreaper); bounded by the output's end above, it has exited or is about to.
    for (int tries = 0; waitpid(child, &status, WNOHANG) == 0; tries++) {
        if (tries == WAIT_MS / 10) die("child %d did not exit", child);
        struct timespec ms = {0, 10 * 1000 * 1000};
        nanosleep(&ms, NULL);
    }
    if (dies) {
        if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGKILL || out[0])
            die("wait status 0x%x, printed \"%s\"", status, out);
        printf("ok: killed with its parent\n");
    } else {
        expect_exit(status, 0, "orphan");
        if (strcmp(out, "alive\n") != 0) die("printed \"%s\"", out);
        printf("ok: outlived its parent and ran at start\n");
    }
}

static void parent_gone(int dies)
{
    static struct program p;
    const char *argv[] = {"/bin/echo", "ran", NULL};
    make_program(&p, 1, argv);
    int sync[2], pipefd[2];
    socket_pair(sync);
    if (pipe2(pipefd, O_CLOEXEC) != 0) die("pipe: %s", strerror(errno));
    // Go and start are queued, and the parent's end closed, before the child runs at all.
    send_word(sync[0], NSS_MSG_GO);
    send_word(sync[0], NSS_MSG_START);
    close(sync[0]);
    int stdio_fd[3] = {-1, pipefd[1], -1};
    struct spawned s = spawn(&p, sync[1], stdio_fd, dies);
    close(sync[1]);
    close(pipefd[1]);
    char out[64];
    read_all(pipefd[0], out, sizeof out);
    int status = reap(&s);
    if (dies) {
        expect_exit(status, NSS_SETUP_EXIT, "parent gone");
        if (out[0]) die("printed \"%s\"", out);
        printf("ok: no exec without its parent\n");
    } else {
        expect_exit(status, 0, "parent gone");
        if (strcmp(out, "ran\n") != 0) die("printed \"%s\"", out);
        printf("ok: exec'd without its parent\n");
    }
}

// ---- no symlinks on the way

// One op then an exec, run in the current directory; the op's errno (0 when the exec ran).
static int run_op(uint32_t code, const char *a, const char *b)
{
    static struct program p;
    static struct builder bl;
    const char *argv[] = {"/bin/true", NULL};
    b_init(&bl, 0);
    uint32_t sa = b_str(&bl, a), sb = b ? b_str(&bl, b) : 0;
    b_op(&bl, code, 0, sa, code == NSS_OP_SYMLINK ? sb : 0755, 0, 0, 0); // symlink: a=text b=path; others: a=path b=mode
    b_exec(&bl, argv);
    p.length = b_finish(&bl, p.bytes, sizeof p.bytes);
    int sync[2];
    socket_pair(sync);
    int stdio_fd[3] = {-1, -1, -1};
    struct spawned s = spawn(&p, sync[1], stdio_fd, 1);
    close(sync[1]);
    send_word(sync[0], NSS_MSG_GO);
    int32_t words[4];
    int n = receive(sync[0], words);
    int status = reap(&s);
    close(sync[0]);
    if (n == 0) {
        expect_exit(status, 0, "op then exec");
        return 0;
    }
    if (n != 3 || words[0] != NSS_MSG_STAGE2_FAILED || words[1] != 0) die("got %#x %d %d", words[0], words[1], words[2]);
    return words[2];
}

// A plan's paths hold no symlink; one that appeared since (a chroot changed under the launcher) must not lead a
// creation out of the sandbox's tree: here "link" leads to "outside", which must stay empty.
static void no_symlinks(void)
{
    char dir[] = "/tmp/nss-spawn-nosym-XXXXXX";
    if (!mkdtemp(dir) || chdir(dir) != 0) die("temp dir: %s", strerror(errno));
    char outside[sizeof dir + 16];
    snprintf(outside, sizeof outside, "%s/outside", dir);
    if (mkdir("outside", 0755) != 0 || mkdir("in", 0755) != 0 || symlink(outside, "link") != 0) die("setup: %s", strerror(errno));
    int e1 = run_op(NSS_OP_ENSURE_DIR, "./link/d", NULL), e2 = run_op(NSS_OP_ENSURE_FILE, "./link/f", NULL);
    int e3 = run_op(NSS_OP_SYMLINK, "/x", "./link/l"), e4 = run_op(NSS_OP_ENSURE_DIR, "./in/d", NULL);
    int e5 = run_op(NSS_OP_RMDIR, "./in/d", NULL), e6 = run_op(NSS_OP_ENSURE_DIR, "./in/d", NULL);
    if (mkdir("outside/r", 0755) != 0) die("mkdir: %s", strerror(errno));
    int e7 = run_op(NSS_OP_RMDIR, "./link/r", NULL);
    int left = rmdir("outside/r") == 0;
    int stray = rmdir("outside/d") == 0 || unlink("outside/f") == 0 || unlink("outside/l") == 0;
    int made = rmdir("in/d") == 0;
    rmdir("in");
    unlink("link");
    rmdir("outside");
    if (chdir("/") != 0 || rmdir(dir) != 0) die("cleanup of %s: %s", dir, strerror(errno));
    if (e1 != ELOOP || e2 != ELOOP || e3 != ELOOP || e7 != ELOOP) die("through the link: %d %d %d %d, not ELOOP", e1, e2, e3, e7);
    if (stray || !left) die("something was made or removed through the link");
    if (e4 || e5 || e6 || !made) die("without a link: %d %d %d, made %d", e4, e5, e6, made);
    printf("ok: mkdir, create, symlink and rmdir through a symlink fail with ELOOP and touch nothing\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) die("usage: nss_spawn_test CASE [N]");
    if (access("/bin/echo", X_OK) != 0 || access("/bin/sh", X_OK) != 0) {
        printf("skip: needs /bin/echo and /bin/sh\n");
        return 77;
    }
    alarm(120); // the bound on the whole case, should a wait above be missed
    int n = argc > 2 ? atoi(argv[2]) : 0;
    if (strcmp(argv[1], "concurrent") == 0) concurrent(n > 0 ? n : 200);
    else if (strcmp(argv[1], "await-start") == 0) await_start();
    else if (strcmp(argv[1], "stdio") == 0) stdio();
    else if (strcmp(argv[1], "bad-fd") == 0) bad_fd();
    else if (strcmp(argv[1], "die-with-parent") == 0) die_with_parent(n);
    else if (strcmp(argv[1], "parent-gone") == 0) parent_gone(n);
    else if (strcmp(argv[1], "no-symlinks") == 0) no_symlinks();
    else die("unknown case %s", argv[1]);
    return 0;
}
