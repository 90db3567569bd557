// Launch-latency and throughput harness for bench/run.sh: runs command lines and times them with
// CLOCK_MONOTONIC, from fork to the reaped exit of the launcher.
//
//   launchbench latency RUNS NAME=CMD [NAME=CMD...]      one line "NAME<TAB>wall ns<TAB>cpu ns<TAB>faults" per
//                                                        run (cpu and minor page faults: of the launcher and
//                                                        every process it started, see below), launchers
//                                                        interleaved (A B C A B C ...) so that drift affects
//                                                        each alike
//   launchbench throughput SECONDS N NAME=CMD            N workers start CMD back to back for SECONDS;
//                                                        prints "NAME<TAB>N<TAB>starts<TAB>seconds"
//
// The harness is a child subreaper (PR_SET_CHILD_SUBREAPER): a process the launcher leaves running when it
// exits (bubblewrap's pid 1 writes the target's status and exits after its parent did) is reparented to the
// harness, which reaps it before the next launch. The wall time ends at the launcher's exit (what a caller
// waits for); the CPU time and page faults are those of every process the launch made, reaped or orphaned.
//
// CMD is split on spaces (the benchmark's command lines need no quoting); a word FD<FILE opens FILE on
// descriptor FD of the launcher instead (bwrap --seccomp FD reads its filter from one). The launchers' stdout and stderr go to
// /dev/null; a run that exits non-zero aborts the benchmark, so a broken launcher never yields a figure.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_ARGS 256
#define MAX_LAUNCHERS 16

struct launcher {
    char *name;
    char *argv[MAX_ARGS];
    int redirect_fd; // -1: none
    char *redirect_path;
};

static int64_t now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

static void parse(char *spec, struct launcher *l)
{
    char *eq = strchr(spec, '=');
    if (!eq) {
        fprintf(stderr, "launchbench: '%s' is not NAME=CMD\n", spec);
        exit(2);
    }
    *eq = 0;
    l->name = spec;
    int n = 0;
    l->redirect_fd = -1;
    for (char *tok = strtok(eq + 1, " "); tok; tok = strtok(NULL, " ")) {
        if (n == MAX_ARGS - 1) {
            fprintf(stderr, "launchbench: %s has more than %d words\n", l->name, MAX_ARGS - 2);
            exit(2);
        }
        char *lt = strchr(tok, '<');
        if (lt && lt > tok && strspn(tok, "0123456789") == (size_t)(lt - tok)) {
            l->redirect_fd = atoi(tok);
            l->redirect_path = lt + 1;
            continue;
        }
        l->argv[n++] = tok;
    }
    l->argv[n] = NULL;
    if (n == 0) {
        fprintf(stderr, "launchbench: %s has no command\n", l->name);
        exit(2);
    }
}

static int64_t ns_of(struct timeval t) { return t.tv_sec * 1000000000LL + t.tv_usec * 1000LL; }

// Runs one launch; returns its duration in ns (and in *cpu_ns the user+system time of the launcher and every
// process it left behind, in *faults their minor page faults), or exits when the launcher failed. The caller
// is a subreaper with no other children, so RUSAGE_CHILDREN grows by exactly this launch's processes.
static int64_t run_once(const struct launcher *l, int64_t *cpu_ns, long *faults)
{
    struct rusage before, after;
    getrusage(RUSAGE_CHILDREN, &before);
    int64_t start = now_ns();
    pid_t pid = fork();
    if (pid < 0) {
        perror("launchbench: fork");
        exit(1);
    }
    if (pid == 0) {
        int null = open("/dev/null", O_RDWR);
        dup2(null, 0);
        dup2(null, 1);
        dup2(null, 2);
        if (l->redirect_fd >= 0) {
            int fd = open(l->redirect_path, O_RDONLY);
            if (fd < 0 || (fd != l->redirect_fd && dup2(fd, l->redirect_fd) < 0)) _exit(126);
        }
        execv(l->argv[0], l->argv);
        _exit(127);
    }
    int status;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) {
            perror("launchbench: waitpid");
            exit(1);
        }
    }
    int64_t took = now_ns() - start;
    // Orphans of the launch (reparented here): wait for them, so their CPU is counted and none overlaps the
    // next launch.
    while (wait(NULL) > 0 || errno == EINTR) {}
    getrusage(RUSAGE_CHILDREN, &after);
    if (cpu_ns)
        *cpu_ns = ns_of(after.ru_utime) + ns_of(after.ru_stime) - ns_of(before.ru_utime) - ns_of(before.ru_stime);
    if (faults) *faults = after.ru_minflt - before.ru_minflt;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "launchbench: %s failed (status 0x%x); run it by hand to see why\n", l->name, status);
        exit(1);
    }
    return took;
}

static int latency(int runs, int count, struct launcher *ls)
{
    for (int i = 0; i < count; i++) run_once(&ls[i], NULL, NULL); // warm the page cache, untimed
    for (int r = 0; r < runs; r++) {
        for (int i = 0; i < count; i++) {
            // Rotate the starting launcher each round, so none always follows the same neighbour.
            const struct launcher *l = &ls[(i + r) % count];
            long faults;
            int64_t cpu, wall = run_once(l, &cpu, &faults);
            printf("%s\t%lld\t%lld\t%ld\n", l->name, (long long)wall, (long long)cpu, faults);
        }
    }
    return 0;
}

static int throughput(double seconds, int workers, struct launcher *l)
{
    uint64_t *counts = mmap(NULL, sizeof(uint64_t) * workers, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (counts == MAP_FAILED) {
        perror("launchbench: mmap");
        return 1;
    }
    run_once(l, NULL, NULL);
    int64_t start = now_ns(), end = start + (int64_t)(seconds * 1e9);
    for (int w = 0; w < workers; w++) {
        pid_t pid = fork();
        if (pid == 0) {
            prctl(PR_SET_CHILD_SUBREAPER, 1);
            while (now_ns() < end) {
                run_once(l, NULL, NULL);
                counts[w]++;
            }
            _exit(0);
        }
    }
    int failed = 0, status;
    while (wait(&status) > 0) failed |= !WIFEXITED(status) || WEXITSTATUS(status) != 0;
    double took = (now_ns() - start) / 1e9;
    if (failed) {
        fprintf(stderr, "launchbench: a worker failed\n");
        return 1;
    }
    uint64_t total = 0;
    for (int w = 0; w < workers; w++) total += counts[w];
    printf("%s\t%d\t%llu\t%.3f\n", l->name, workers, (unsigned long long)total, took);
    return 0;
}

int main(int argc, char **argv)
{
    struct launcher ls[MAX_LAUNCHERS];
    if (prctl(PR_SET_CHILD_SUBREAPER, 1) != 0) {
        perror("launchbench: PR_SET_CHILD_SUBREAPER");
        return 1;
    }
    if (argc >= 4 && strcmp(argv[1], "latency") == 0 && argc - 3 <= MAX_LAUNCHERS) {
        for (int i = 3; i < argc; i++) parse(argv[i], &ls[i - 3]);
        return latency(atoi(argv[2]), argc - 3, ls);
    }
    if (argc == 5 && strcmp(argv[1], "throughput") == 0) {
        parse(argv[4], &ls[0]);
        return throughput(atof(argv[2]), atoi(argv[3]), ls);
    }
    fprintf(stderr, "usage: launchbench latency RUNS NAME=CMD...\n       launchbench throughput SECONDS N NAME=CMD\n");
    return 2;
}
