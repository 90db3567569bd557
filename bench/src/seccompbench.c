// Syscall overhead under a seccomp filter, for bench/run.sh.
//
//   seccompbench time none ITERATIONS             ns per getppid() with no filter
//   seccompbench time bpf FILE ITERATIONS         ... under a raw filter (struct sock_filter[], as policytool writes)
//   seccompbench time libseccomp RULES ITERATIONS ... under the same rules built by libseccomp
//   seccompbench time libseccomp-tree RULES ITER  ... with libseccomp's binary tree of syscalls (its optimize 2)
//   seccompbench export RULES OUT [tree]          libseccomp's program for RULES, as a raw filter file
//   seccompbench count FILE NR                    how many BPF instructions the filter runs for syscall NR
//                                                 (x86_64, all arguments 0) and what it returns
//
// RULES is policytool's .rules format: "default ACTION" then "rule NR ACTION [ARG OP MASK VALUE]..." lines.
#define _GNU_SOURCE
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define MAX_INSNS 4096

static void die(const char *what)
{
    perror(what);
    exit(1);
}

static size_t read_filter(const char *path, struct sock_filter *insns)
{
    FILE *f = fopen(path, "rb");
    if (!f) die(path);
    size_t n = fread(insns, sizeof *insns, MAX_INSNS, f);
    fclose(f);
    if (n == 0) {
        fprintf(stderr, "seccompbench: %s holds no instructions\n", path);
        exit(1);
    }
    return n;
}

static enum scmp_compare compare_op(const char *op)
{
    static const struct { const char *name; enum scmp_compare op; } ops[] = {
        {"eq", SCMP_CMP_EQ}, {"ne", SCMP_CMP_NE}, {"lt", SCMP_CMP_LT}, {"le", SCMP_CMP_LE},
        {"gt", SCMP_CMP_GT}, {"ge", SCMP_CMP_GE}, {"masked_eq", SCMP_CMP_MASKED_EQ}};
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++)
        if (strcmp(op, ops[i].name) == 0) return ops[i].op;
    fprintf(stderr, "seccompbench: unknown comparison %s\n", op);
    exit(1);
}

// Builds a libseccomp context from policytool's rules. Rules are added in the file's order; libseccomp
// arranges the program itself: a linear list of syscall numbers by default, a binary tree with tree set.
static scmp_filter_ctx build_libseccomp(const char *path, int tree)
{
    FILE *f = fopen(path, "r");
    if (!f) die(path);
    char line[1024];
    scmp_filter_ctx ctx = NULL;
    while (fgets(line, sizeof line, f)) {
        char *save, *word = strtok_r(line, " \n", &save);
        if (!word) continue;
        if (strcmp(word, "default") == 0) {
            ctx = seccomp_init((uint32_t)strtoul(strtok_r(NULL, " \n", &save), NULL, 0));
            if (!ctx) die("seccomp_init");
            if (tree && seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2) < 0) {
                fprintf(stderr, "seccompbench: this libseccomp has no binary tree optimisation\n");
                exit(1);
            }
            continue;
        }
        if (!ctx || strcmp(word, "rule") != 0) {
            fprintf(stderr, "seccompbench: %s: expected default then rule lines\n", path);
            exit(1);
        }
        int nr = atoi(strtok_r(NULL, " \n", &save));
        uint32_t action = (uint32_t)strtoul(strtok_r(NULL, " \n", &save), NULL, 0);
        struct scmp_arg_cmp cmp[6];
        unsigned n = 0;
        char *arg;
        while ((arg = strtok_r(NULL, " \n", &save)) && n < 6) {
            enum scmp_compare op = compare_op(strtok_r(NULL, " \n", &save));
            uint64_t mask = strtoull(strtok_r(NULL, " \n", &save), NULL, 0);
            uint64_t value = strtoull(strtok_r(NULL, " \n", &save), NULL, 0);
            cmp[n++] = op == SCMP_CMP_MASKED_EQ ? SCMP_CMP(atoi(arg), op, mask, value) : SCMP_CMP(atoi(arg), op, value);
        }
        int rc = seccomp_rule_add_array(ctx, action, nr, n, cmp);
        if (rc < 0) {
            fprintf(stderr, "seccompbench: seccomp_rule_add(%d): %s\n", nr, strerror(-rc));
            exit(1);
        }
    }
    fclose(f);
    if (!ctx) {
        fprintf(stderr, "seccompbench: %s has no default line\n", path);
        exit(1);
    }
    return ctx;
}

static void load_raw(const char *path)
{
    static struct sock_filter insns[MAX_INSNS];
    struct sock_fprog prog = {.len = (unsigned short)read_filter(path, insns), .filter = insns};
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)) die("PR_SET_NO_NEW_PRIVS");
    if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog)) die("seccomp");
}

static int64_t now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

static int time_getppid(long iterations)
{
    for (long i = 0; i < iterations / 10; i++) syscall(SYS_getppid); // warm up
    int64_t start = now_ns();
    for (long i = 0; i < iterations; i++) syscall(SYS_getppid);
    printf("%.1f\n", (double)(now_ns() - start) / iterations);
    return 0;
}

// A classic BPF interpreter that counts: seccomp programs only load from seccomp_data, use A, X and the
// scratch memory, and end in RET; the kernel has validated anything policytool or libseccomp produced.
static int count(const char *path, int nr)
{
    static struct sock_filter p[MAX_INSNS];
    size_t len = read_filter(path, p);
    struct seccomp_data d = {.nr = nr, .arch = AUDIT_ARCH_X86_64};
    uint32_t a = 0, x = 0, mem[BPF_MEMWORDS] = {0}, pc = 0, executed = 0;
    while (pc < len) {
        struct sock_filter *i = &p[pc++];
        executed++;
        uint32_t k = i->k, src = BPF_SRC(i->code) == BPF_X ? x : k;
        switch (BPF_CLASS(i->code)) {
        case BPF_LD:
        case BPF_LDX: {
            uint32_t v = BPF_MODE(i->code) == BPF_ABS ? *(uint32_t *)((char *)&d + k)
                       : BPF_MODE(i->code) == BPF_MEM ? mem[k]
                       : BPF_MODE(i->code) == BPF_LEN ? sizeof d : k;
            if (BPF_CLASS(i->code) == BPF_LD) a = v; else x = v;
            break;
        }
        case BPF_ST: mem[k] = a; break;
        case BPF_STX: mem[k] = x; break;
        case BPF_ALU:
            switch (BPF_OP(i->code)) {
            case BPF_ADD: a += src; break;
            case BPF_SUB: a -= src; break;
            case BPF_MUL: a *= src; break;
            case BPF_DIV: a = src ? a / src : 0; break;
            case BPF_MOD: a = src ? a % src : 0; break;
            case BPF_AND: a &= src; break;
            case BPF_OR: a |= src; break;
            case BPF_XOR: a ^= src; break;
            case BPF_LSH: a <<= src; break;
            case BPF_RSH: a >>= src; break;
            case BPF_NEG: a = -a; break;
            }
            break;
        case BPF_JMP: {
            int taken;
            switch (BPF_OP(i->code)) {
            case BPF_JA: pc += k; continue;
            case BPF_JEQ: taken = a == src; break;
            case BPF_JGT: taken = a > src; break;
            case BPF_JGE: taken = a >= src; break;
            default: taken = (a & src) != 0; break; // BPF_JSET
            }
            pc += taken ? i->jt : i->jf;
            break;
        }
        case BPF_RET:
            printf("%u\t0x%x\n", executed, BPF_RVAL(i->code) == BPF_A ? a : k);
            return 0;
        case BPF_MISC:
            if (BPF_MISCOP(i->code) == BPF_TAX) x = a; else a = x;
            break;
        }
    }
    fprintf(stderr, "seccompbench: %s ran off its end\n", path);
    return 1;
}

int main(int argc, char **argv)
{
    if (argc == 4 && strcmp(argv[1], "time") == 0 && strcmp(argv[2], "none") == 0)
        return time_getppid(atol(argv[3]));
    if (argc == 5 && strcmp(argv[1], "time") == 0 && strcmp(argv[2], "bpf") == 0) {
        load_raw(argv[3]);
        return time_getppid(atol(argv[4]));
    }
    if (argc == 5 && strcmp(argv[1], "time") == 0 && strncmp(argv[2], "libseccomp", 10) == 0) {
        scmp_filter_ctx ctx = build_libseccomp(argv[3], strcmp(argv[2], "libseccomp-tree") == 0);
        int rc = seccomp_load(ctx);
        if (rc < 0) {
            fprintf(stderr, "seccompbench: seccomp_load: %s\n", strerror(-rc));
            return 1;
        }
        return time_getppid(atol(argv[4]));
    }
    if ((argc == 4 || argc == 5) && strcmp(argv[1], "export") == 0) {
        scmp_filter_ctx ctx = build_libseccomp(argv[2], argc == 5 && strcmp(argv[4], "tree") == 0);
        FILE *out = fopen(argv[3], "wb");
        if (!out) die(argv[3]);
        int rc = seccomp_export_bpf(ctx, fileno(out));
        fclose(out);
        if (rc < 0) {
            fprintf(stderr, "seccompbench: seccomp_export_bpf: %s\n", strerror(-rc));
            return 1;
        }
        return 0;
    }
    if (argc == 4 && strcmp(argv[1], "count") == 0) return count(argv[2], atoi(argv[3]));
    fprintf(stderr, "usage: see the comment at the top of bench/src/seccompbench.c\n");
    return 2;
}
