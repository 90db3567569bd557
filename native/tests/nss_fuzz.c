// Fuzzes stage 2's interpreter (nss_stage2.c, and nss_target.c below it) with malformed programs. Built with
// NSS_SYS_FAKE (no system call is made, nss_fuzz_sys.c) and the address and undefined-behaviour sanitizers;
// each program runs from a heap copy of its exact length, so any read past it stops the harness.
//   nss_fuzz [COUNT [SEED]]: a fixed set of mutations of valid programs, then COUNT random ones from SEED.
// Every run must end in a reported failure (status 126, or 127 for an exec that found nothing), a successful
// fake execve, or an exit where the fake parent went away; anything else, or a sanitizer report, fails.
#define _GNU_SOURCE
#include <errno.h>
#include <sanitizer/common_interface_defs.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../nss_shim.h"
#include "nss_fuzz.h"
#include "nss_prog_builder.h"

struct fake fake;
char fuzz_case[160];

// Leaks are not what this looks for, and LeakSanitizer cannot run everywhere (it needs ptrace).
const char *__asan_default_options(void) { return "detect_leaks=0"; }

static void print_case(void) { fprintf(stderr, "fuzz: while running %s\n", fuzz_case); }

void fuzz_fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "fuzz: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    print_case();
    exit(1);
}

uint64_t fuzz_next(uint64_t *state) // xorshift64*
{
    uint64_t x = *state ? *state : 0x9e3779b97f4a7c15ull;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *state = x;
    return x * 0x2545f4914f6cdd1dull;
}

// How a program is run: mode once (sync_fd 3) or mode execve (-1), and what the fake parent and kernel do.
struct setup {
    int sync_fd, die_with_parent;
    enum reply go, start, poll;
    unsigned fail_one_in;
    long fail_call;
    int fail_errno;
    uint64_t rng;
    int random_types;
};

static const struct setup normal = {NSS_SYNC_FD, 1, REPLY_OK, REPLY_OK, REPLY_OK, 0, -1, 0, 1, 0};

static unsigned long runs, execs, failures, exits;
static uint32_t last_index; // where the last run failed, for messages
static int last_err;

static uint32_t u32_at(const uint8_t *p, size_t length, size_t at)
{
    uint32_t v = 0;
    if (at + 4 <= length) memcpy(&v, p + at, 4);
    return v;
}

// Runs one program and checks how it ended. Returns the outcome.
static int run(const uint8_t *program, size_t length, const struct setup *s)
{
    uint8_t *copy = malloc(length ? length : 1);
    if (!copy) abort();
    if (length) memcpy(copy, program, length);
    jmp_buf env;
    memset(&fake, 0, sizeof fake);
    fake.program = copy;
    fake.length = length;
    fake.sync_fd = s->sync_fd;
    fake.go = s->go;
    fake.start = s->start;
    fake.poll = s->poll;
    fake.rng = s->rng;
    fake.random_types = s->random_types;
    fake.fail_one_in = s->fail_one_in;
    fake.fail_call = s->fail_call;
    fake.fail_errno = s->fail_errno;
    fake.env = &env;
    struct nss_failure failure = {0xdeadbeef, -1, NULL};
    volatile int status = -1;
    int outcome = setjmp(env);
    if (outcome == 0) {
        status = nss_run_program(copy, (uint32_t)length, s->sync_fd, s->die_with_parent, &failure);
        outcome = RAN_RETURNED;
    }
    runs++;
    uint32_t op_count = u32_at(program, length, 8), ops = u32_at(program, length, 12);
    switch (outcome) {
    case RAN_EXEC:
        execs++;
        break;
    case RAN_EXIT:
        exits++;
        if (fake.exit_status != NSS_SETUP_EXIT) fuzz_fail("exit status %d", fake.exit_status);
        if (!fake.eof_given && !(fake.gone_given && s->die_with_parent)) fuzz_fail("exit while the parent was there");
        break;
    default:
        failures++;
        if (failure.err <= 0 || failure.err >= 4096) fuzz_fail("failure with errno %d", failure.err);
        if (status == NSS_NOT_FOUND_EXIT) {
            uint32_t code = u32_at(program, length, (size_t)ops + (size_t)failure.index * sizeof(struct nss_op));
            if (failure.err != ENOENT || failure.index >= op_count || code != NSS_OP_EXEC)
                fuzz_fail("status 127 for op %u (errno %d), not an exec that found nothing", failure.index,
                          failure.err);
        } else if (status != NSS_SETUP_EXIT) {
            fuzz_fail("status %d", status);
        }
        if (failure.index != NSS_STAMP_STARTED && failure.index != NSS_STAMP_GO && failure.index > op_count)
            fuzz_fail("failure at op %u of %u", failure.index, op_count);
        if (failure.what) {
            const char *base = (const char *)copy;
            if (failure.what < base || failure.what >= base + length)
                fuzz_fail("failure description outside the program");
            (void)strlen(failure.what);
        }
        int reported = fake.sent_failure && (uint32_t)fake.sent_index == failure.index && fake.sent_err == failure.err;
        if (s->sync_fd >= 0 && !reported)
            fuzz_fail("failure at op %u (errno %d) not reported on the sync socket", failure.index, failure.err);
        break;
    }
    last_index = failure.index;
    last_err = failure.err;
    free(copy);
    return outcome;
}

// ---- Valid programs, and the values their mutations put in every field.

static uint8_t programs[4][BUILDER_DATA + BUILDER_OPS * sizeof(struct nss_op) + 8];
static uint32_t program_lengths[4];

static void build_corpus(void)
{
    static struct builder b;
    const char *argv[] = {"/bin/echo", "hello", "world", NULL};
    // 0: every opcode, as a plan would use it.
    b_init(&b, NSS_PROG_TIMING);
    uint32_t root = b_str(&b, "/"), etc = b_str(&b, "/etc"), data = b_str(&b, "./data"), tmpfs = b_str(&b, "tmpfs");
    b_op(&b, NSS_OP_MOUNT, b_str(&b, "mount /"), 0, root, 0, 0x44000, 0);
    b_op(&b, NSS_OP_MOUNT, 0, tmpfs, data, tmpfs, 6, b_str(&b, "mode=0755,size=1m"));
    b_op(&b, NSS_OP_SETATTR, 0, data, 1, 0, 1, 0);
    b_op(&b, NSS_OP_OPEN_TREE, 0, etc, 1, 0, 0, 0);
    b_op(&b, NSS_OP_TREE_SETATTR, 0, 0, 1, 0, 1, 0);
    b_op(&b, NSS_OP_ENSURE_DIR, 0, b_str(&b, "./etc"), 0755, 0, 0, 0);
    b_op(&b, NSS_OP_MOVE_MOUNT, 0, b_str(&b, "./etc"), 0, 0, 0, 0);
    b_op(&b, NSS_OP_CLOSE, 0, 0, 0, 0, 0, 0);
    b_op(&b, NSS_OP_ENSURE_FILE, 0, b_str(&b, "./dev/null"), 0644, 0, 0, 0);
    b_op(&b, NSS_OP_REQUIRE, 0, b_str(&b, "./usr/x"), 1, 0, 0, 0);
    b_op(&b, NSS_OP_SYMLINK, 0, b_str(&b, "usr/lib64"), b_str(&b, "./lib64"), 0, 0, 0);
    b_op(&b, NSS_OP_RMDIR, 0, b_str(&b, "./.shadow"), 0, 0, 0, 0);
    b_op(&b, NSS_OP_MARK, 0, b_str(&b, "mounts"), 0, 0, 0, 0);
    b_op(&b, NSS_OP_PIVOT_ROOT, 0, b_str(&b, "."), b_str(&b, "."), 0, 0, 0);
    b_op(&b, NSS_OP_UMOUNT, 0, b_str(&b, "."), 2, 0, 0, 0);
    b_op(&b, NSS_OP_CHDIR, 0, root, 0, 0, 0, 0);
    b_op(&b, NSS_OP_SETHOSTNAME, 0, b_str(&b, "sandbox"), 7, 0, 0, 0);
    b_op(&b, NSS_OP_LOOPBACK_UP, 0, 0, 0, 0, 0, 0);
    b_op(&b, NSS_OP_SETRLIMIT, 0, 7, 0, 0, 64, 64);
    b_op(&b, NSS_OP_SETSID, 0, 0, 0, 0, 0, 0);
    b_op(&b, NSS_OP_SETGROUPS_EMPTY, 0, 0, 0, 0, 0, 0);
    b_op(&b, NSS_OP_SETRESGID, 0, 65534, 0, 0, 0, 0);
    b_op(&b, NSS_OP_SETRESUID, 0, 65534, 0, 0, 0, 0);
    b_op(&b, NSS_OP_DROP_CAPS, 0, 0, 0, 0, 0, 0);
    b_op(&b, NSS_OP_PDEATHSIG, 0, 9, 0, 0, 0, 0);
    b_op(&b, NSS_OP_PERSONALITY, 0, 0x0040000, 0, 0, 0, 0);
    b_op(&b, NSS_OP_SETPRIORITY, 0, 19, 0, 0, 0, 0);
    b_op(&b, NSS_OP_SETAFFINITY, 0, 0, 0, 0, b_filter(&b, 1), 0);
    b_op(&b, NSS_OP_DISABLE_TSC, 0, 0, 0, 0, 0, 0);
    b_op(&b, NSS_OP_NULL_FDS, 0, b_str(&b, "/dev/null"), 7, 0, 0, 0);
    b_op(&b, NSS_OP_AWAIT_START, 0, 0, 0, 0, 0, 0);
    uint32_t filter = b_filter(&b, 3);
    const char *candidates[] = {"/usr/bin/echo", "/bin/echo", NULL}, *env[] = {"PATH=/bin", "HOME=/", NULL};
    uint32_t ca = b_strs(&b, candidates), av = b_strs(&b, argv), en = b_strs(&b, env);
    b_op(&b, NSS_OP_EXEC, b_str(&b, "execve /bin/echo"), ca, av, en, filter, 0);
    program_lengths[0] = b_finish(&b, programs[0], sizeof programs[0]);
    // 1: only the exec.
    b_init(&b, 0);
    b_exec(&b, argv);
    program_lengths[1] = b_finish(&b, programs[1], sizeof programs[1]);
    // 2: an exec with a filter and empty lists.
    b_init(&b, NSS_PROG_TIMING);
    const char *none[] = {NULL};
    b_op(&b, NSS_OP_MARK, 0, b_str(&b, "x"), 0, 0, 0, 0);
    uint32_t empty = b_strs(&b, none), one = b_strs(&b, argv + 2);
    b_op(&b, NSS_OP_EXEC, 0, one, empty, empty, b_filter(&b, 1), 1);
    program_lengths[2] = b_finish(&b, programs[2], sizeof programs[2]);
    // 3: set-up that waits for start, no exec at the end.
    b_init(&b, 0);
    b_op(&b, NSS_OP_AWAIT_START, 0, 0, 0, 0, 0, 0);
    b_op(&b, NSS_OP_CHDIR, 0, b_str(&b, "/"), 0, 0, 0, 0);
    program_lengths[3] = b_finish(&b, programs[3], sizeof programs[3]);
    for (int i = 0; i < 4; i++)
        if (!program_lengths[i]) abort();
}

// Interesting 64-bit values for a field of a program of `length` bytes whose ops start at `ops`.
static size_t boundary_values(uint64_t *v, uint32_t length, uint32_t ops)
{
    size_t n = 0;
    const uint64_t fixed[] = {0, 1, 4, 7, 8, 16, 23, 24, 0x7fffffff, 0x80000000, 0xfffffff8, 0xffffffff,
                              1ull << 32, (1ull << 32) + 8, 1ull << 63, ~0ull - 7, ~0ull};
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++) v[n++] = fixed[i];
    const int64_t near[] = {-24, -16, -9, -8, -2, -1, 0, 1, 8};
    for (size_t i = 0; i < sizeof near / sizeof near[0]; i++) v[n++] = (uint64_t)((int64_t)length + near[i]);
    v[n++] = ops;
    v[n++] = ops + 8;
    v[n++] = ~0ull - length + 1;
    return n;
}

// Every mutation of one program, each run as mode once and (for variety) some as mode execve.
static void mutate_program(int index)
{
    const uint8_t *p = programs[index];
    uint32_t length = program_lengths[index], ops = u32_at(p, length, 12), op_count = u32_at(p, length, 8);
    uint8_t *m = malloc(length + 64);
    uint64_t values[64];
    size_t nv = boundary_values(values, length, ops);
    struct setup s = normal;

    snprintf(fuzz_case, sizeof fuzz_case, "program %d as built", index);
    int expect = index == 3 ? RAN_RETURNED : RAN_EXEC;
    int outcome = run(p, length, &s);
    if (outcome != expect) fuzz_fail("a valid program ended with %d (op %u, errno %d)", outcome, last_index, last_err);
    s.sync_fd = -1; // mode execve: no parent, so no await start
    s.die_with_parent = 0;
    run(p, length, &s);

    // The parent's answers: gone, a wrong message, an error; and gone before the exec.
    const enum reply replies[] = {REPLY_EOF, REPLY_WRONG, REPLY_ERROR};
    for (int r = 0; r < 3; r++) {
        snprintf(fuzz_case, sizeof fuzz_case, "program %d, parent reply %d", index, r);
        s = normal;
        s.go = replies[r];
        run(p, length, &s);
        s = normal;
        s.start = replies[r];
        run(p, length, &s);
    }
    for (int die = 0; die < 2; die++) {
        snprintf(fuzz_case, sizeof fuzz_case, "program %d, parent gone before exec, die_with_parent %d", index, die);
        s = normal;
        s.poll = REPLY_EOF;
        s.die_with_parent = die;
        outcome = run(p, length, &s);
        if (index < 3 && outcome != (die ? RAN_EXIT : RAN_EXEC))
            fuzz_fail("die_with_parent %d: outcome %d", die, outcome);
    }

    // Truncated: with the header as it was, and with the header and final NUL made to fit.
    for (uint32_t cut = 0; cut < length; cut++) {
        snprintf(fuzz_case, sizeof fuzz_case, "program %d cut to %u bytes", index, cut);
        memcpy(m, p, cut);
        run(m, cut, &normal);
        if (cut >= sizeof(struct nss_prog)) {
            memcpy(m + 16, &cut, 4);
            m[cut - 1] = 0;
            run(m, cut, &normal);
        }
    }

    // Each header field, each op field, each string array's count and first item, each filter's length.
    for (uint32_t field = 0; field < 6; field++) {
        for (size_t k = 0; k < nv; k++) {
            snprintf(fuzz_case, sizeof fuzz_case, "program %d, header word %u = %llu", index, field,
                     (unsigned long long)values[k]);
            memcpy(m, p, length);
            uint32_t v = (uint32_t)values[k];
            memcpy(m + 4 * field, &v, 4);
            run(m, length, &normal);
        }
    }
    static const size_t field_at[] = {4, 8, 12, 16, 24, 32};
    for (uint32_t i = 0; i < op_count; i++) {
        const uint8_t *op = p + ops + i * sizeof(struct nss_op);
        for (size_t f = 0; f < 6; f++) {
            for (size_t k = 0; k < nv; k++) {
                snprintf(fuzz_case, sizeof fuzz_case, "program %d, op %u field at %zu = %llu", index, i, field_at[f],
                         (unsigned long long)values[k]);
                memcpy(m, p, length);
                uint8_t *at = m + ops + i * sizeof(struct nss_op) + field_at[f];
                if (field_at[f] < 24) {
                    uint32_t v = (uint32_t)values[k];
                    memcpy(at, &v, 4);
                } else {
                    memcpy(at, &values[k], 8);
                }
                run(m, length, &normal);
            }
        }
        uint32_t code = u32_at(op, 40, 0);
        if (code != NSS_OP_EXEC) continue;
        for (int f = 0; f < 4; f++) { // candidates, argv, envp arrays and the filter
            uint32_t at = f < 3 ? u32_at(op, 40, 8 + 4 * (size_t)f) : u32_at(op, 40, 24);
            if (at == 0) continue;
            for (int word = 0; word < (f < 3 ? 2 : 1); word++) { // the count, and the first item
                for (size_t k = 0; k < nv; k++) {
                    snprintf(fuzz_case, sizeof fuzz_case, "program %d, exec operand %d word %d = %llu", index, f, word,
                             (unsigned long long)values[k]);
                    memcpy(m, p, length);
                    if (f < 3) memcpy(m + at + 8 * (size_t)word, &values[k], 8);
                    else memcpy(m + at, &values[k], 4);
                    run(m, length, &normal);
                }
            }
        }
    }

    // Every system call failing in turn, with errnos the interpreter tells apart.
    const int errnos[] = {EPERM, ENOENT, EEXIST, EINVAL};
    for (long call = 0; call < 200; call++) {
        for (int e = 0; e < 4; e++) {
            snprintf(fuzz_case, sizeof fuzz_case, "program %d, call %ld fails with %d", index, call, errnos[e]);
            s = normal;
            s.fail_call = call;
            s.fail_errno = errnos[e];
            run(p, length, &s);
        }
    }
    free(m);
}

// ---- Random programs.

static uint64_t pick(uint64_t *rng, const uint32_t *pool, size_t pool_size, uint32_t length)
{
    switch (fuzz_next(rng) % 6) {
    case 0:
    case 1:
        return pool[fuzz_next(rng) % pool_size];
    case 2:
        return fuzz_next(rng) % 16;
    case 3:
        return fuzz_next(rng) % (length + 64);
    case 4:
        return (uint32_t)fuzz_next(rng);
    default:
        return fuzz_next(rng);
    }
}

// Any opcode (mostly valid ones) with operands drawn from the program's own strings, arrays and filters,
// small numbers and random words; often ending in a valid exec; then sometimes bytes changed at random.
static uint32_t random_program(uint64_t *rng, uint8_t *out, size_t cap)
{
    static struct builder b;
    b_init(&b, fuzz_next(rng) % 2 ? NSS_PROG_TIMING : (uint32_t)fuzz_next(rng));
    uint32_t pool[24];
    size_t n = 0;
    char text[24];
    for (int i = 0; i < 8; i++) {
        size_t len = fuzz_next(rng) % sizeof text;
        for (size_t j = 0; j < len; j++) text[j] = (char)(1 + fuzz_next(rng) % 255);
        text[len] = 0;
        pool[n++] = b_str(&b, text);
    }
    const char *words[] = {"/bin/sh", "-c", "x", "", "/", NULL};
    for (int i = 0; i < 4; i++) pool[n++] = b_strs(&b, words + fuzz_next(rng) % 6);
    for (int i = 0; i < 2; i++) pool[n++] = b_filter(&b, (uint32_t)(fuzz_next(rng) % 5));
    uint32_t ops = (uint32_t)(fuzz_next(rng) % 12);
    for (uint32_t i = 0; i < ops; i++) {
        uint32_t code = fuzz_next(rng) % 8 ? 1 + (uint32_t)(fuzz_next(rng) % (NSS_OP_LIMIT + 1))
                                           : (uint32_t)fuzz_next(rng);
        uint64_t v[6];
        for (int k = 0; k < 6; k++) v[k] = pick(rng, pool, n, b.length);
        b_op(&b, code, (uint32_t)v[0], (uint32_t)v[1], (uint32_t)v[2], (uint32_t)v[3], v[4], v[5]);
    }
    if (fuzz_next(rng) % 4) {
        const char *argv[] = {"/bin/true", NULL};
        b_exec(&b, argv);
    }
    uint32_t length = b_finish(&b, out, cap);
    for (uint64_t k = fuzz_next(rng) % 2 ? 1 + fuzz_next(rng) % 4 : 0; k > 0 && length > 0; k--) {
        switch (fuzz_next(rng) % 3) {
        case 0:
            out[fuzz_next(rng) % length] ^= (uint8_t)(1u << (fuzz_next(rng) % 8));
            break;
        case 1: {
            uint32_t at = (uint32_t)(fuzz_next(rng) % length) & ~3u, v = (uint32_t)pick(rng, pool, n, length);
            if (at + 4 <= length) memcpy(out + at, &v, 4);
            break;
        }
        default:
            length = (uint32_t)(fuzz_next(rng) % length);
            if (length >= sizeof(struct nss_prog) && fuzz_next(rng) % 2) {
                memcpy(out + 16, &length, 4);
                out[length - 1] = 0;
            }
        }
    }
    return length;
}

// Every opcode, and a few that are none, with operands drawn as for random programs, before a valid exec.
static void every_opcode(void)
{
    static struct builder b;
    static uint8_t program[BUILDER_DATA + BUILDER_OPS * sizeof(struct nss_op) + 8];
    const uint32_t extra[] = {0, NSS_OP_LIMIT, NSS_OP_LIMIT + 1, 0x80000000u, 0xffffffffu};
    for (uint32_t k = 0; k < NSS_OP_LIMIT - 1 + sizeof extra / sizeof extra[0]; k++) {
        uint32_t code = k < NSS_OP_LIMIT - 1 ? k + 1 : extra[k - (NSS_OP_LIMIT - 1)];
        for (uint64_t variant = 0; variant < 200; variant++) {
            snprintf(fuzz_case, sizeof fuzz_case, "opcode %u, variant %llu", code, (unsigned long long)variant);
            uint64_t rng = 0x5eed0000ull + code * 1000 + variant;
            b_init(&b, 0);
            const char *words[] = {"/", "./data", "", NULL};
            uint32_t pool[] = {b_str(&b, "/"), b_str(&b, "x"), b_strs(&b, words), b_filter(&b, 2), 0};
            uint64_t v[6];
            for (int i = 0; i < 6; i++) v[i] = pick(&rng, pool, sizeof pool / sizeof pool[0], b.length);
            b_op(&b, code, (uint32_t)v[0], (uint32_t)v[1], (uint32_t)v[2], (uint32_t)v[3], v[4], v[5]);
            const char *argv[] = {"/bin/true", NULL};
            b_exec(&b, argv);
            uint32_t length = b_finish(&b, program, sizeof program);
            struct setup s = normal;
            s.sync_fd = variant % 2 ? NSS_SYNC_FD : -1;
            run(program, length, &s);
        }
    }
}

static void random_programs(unsigned long count, uint64_t seed)
{
    static uint8_t program[BUILDER_DATA + BUILDER_OPS * sizeof(struct nss_op) + 8];
    const enum reply replies[] = {REPLY_OK,  REPLY_OK,  REPLY_OK,    REPLY_OK,
                                  REPLY_OK,  REPLY_EOF, REPLY_WRONG, REPLY_ERROR};
    for (unsigned long i = 0; i < count; i++) {
        snprintf(fuzz_case, sizeof fuzz_case, "random program %lu of seed %llu", i, (unsigned long long)seed);
        uint64_t rng = seed * 0x100000001b3ull + i;
        uint32_t length = random_program(&rng, program, sizeof program);
        struct setup s = normal;
        s.sync_fd = fuzz_next(&rng) % 4 ? NSS_SYNC_FD : -1;
        s.die_with_parent = (int)(fuzz_next(&rng) % 2);
        s.go = replies[fuzz_next(&rng) % 8];
        s.start = replies[fuzz_next(&rng) % 8];
        s.poll = fuzz_next(&rng) % 8 ? REPLY_OK : REPLY_EOF;
        s.fail_one_in = (unsigned)(fuzz_next(&rng) % 3) * 8;
        s.rng = fuzz_next(&rng);
        s.random_types = 1;
        run(program, length, &s);
    }
}

int main(int argc, char **argv)
{
    unsigned long count = argc > 1 ? strtoul(argv[1], NULL, 10) : 20000;
    uint64_t seed = argc > 2 ? strtoull(argv[2], NULL, 10) : 1;
    __sanitizer_set_death_callback(print_case);
    build_corpus();
    for (int i = 0; i < 4; i++) mutate_program(i);
    every_opcode();
    unsigned long fixed = runs;
    random_programs(count, seed);
    printf("fuzz: %lu programs (%lu mutations, %lu random of seed %llu): %lu exec'd, %lu failed, %lu exited\n",
           runs, fixed, count, (unsigned long long)seed, execs, failures, exits);
    return 0;
}
