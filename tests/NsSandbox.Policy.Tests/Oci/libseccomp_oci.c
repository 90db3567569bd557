// What runc makes of an OCI seccomp profile with libseccomp, for tests/NsSandbox.Policy.Tests/Oci: the reference
// our compiler is compared with. Built and run by LibseccompCrossCheckTests (needs gcc and libseccomp-dev).
//
//   libseccomp_oci filter ARCH RULES OUT [tree]
//                                          RULES (below) as runc would hand them to libseccomp, for ARCH only;
//                                          writes the exported program to OUT and, on stdout, "name NAME NUMBER"
//                                          for each name as libseccomp resolves it (NUMBER "none": unknown) and
//                                          "time_ns N", how long building and exporting took; with tree, the binary
//                                          tree of syscalls runc asks for above 32 rules (bench/oci-seccomp.sh)
//   libseccomp_oci names ARCH              "NUMBER NAME" for every syscall libseccomp knows on ARCH
//
// RULES: "default ACTION ERRNO" then "rule NAME ACTION ERRNO [INDEX OP VALUE VALUETWO]..." lines, with runtime-spec's
// action and operator names; ERRNO is "-" when the profile gives none. As runc: KILL is KILL_THREAD, ERRNO and TRACE
// default to EPERM, a rule whose action equals the default is left out, a name libseccomp cannot resolve is skipped.
#include <errno.h>
#include <fcntl.h>
#include <seccomp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static void fail(const char *what, const char *detail)
{
    fprintf(stderr, "libseccomp_oci: %s: %s\n", what, detail);
    exit(1);
}

static uint32_t action(const char *name, const char *errno_text)
{
    int has = strcmp(errno_text, "-") != 0;
    unsigned code = has ? (unsigned)strtoul(errno_text, NULL, 0) : EPERM;
    if (!strcmp(name, "SCMP_ACT_KILL") || !strcmp(name, "SCMP_ACT_KILL_THREAD")) return SCMP_ACT_KILL_THREAD;
    if (!strcmp(name, "SCMP_ACT_KILL_PROCESS")) return SCMP_ACT_KILL_PROCESS;
    if (!strcmp(name, "SCMP_ACT_TRAP")) return SCMP_ACT_TRAP;
    if (!strcmp(name, "SCMP_ACT_ERRNO")) return SCMP_ACT_ERRNO(code);
    if (!strcmp(name, "SCMP_ACT_TRACE")) return SCMP_ACT_TRACE(code);
    if (!strcmp(name, "SCMP_ACT_ALLOW")) return SCMP_ACT_ALLOW;
    if (!strcmp(name, "SCMP_ACT_LOG")) return SCMP_ACT_LOG;
    if (!strcmp(name, "SCMP_ACT_NOTIFY")) return SCMP_ACT_NOTIFY;
    fail("unknown action", name);
    return 0;
}

static enum scmp_compare compare(const char *name)
{
    static const struct { const char *name; enum scmp_compare op; } ops[] = {
        {"SCMP_CMP_NE", SCMP_CMP_NE}, {"SCMP_CMP_LT", SCMP_CMP_LT}, {"SCMP_CMP_LE", SCMP_CMP_LE},
        {"SCMP_CMP_EQ", SCMP_CMP_EQ}, {"SCMP_CMP_GE", SCMP_CMP_GE}, {"SCMP_CMP_GT", SCMP_CMP_GT},
        {"SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ}};
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++)
        if (!strcmp(name, ops[i].name)) return ops[i].op;
    fail("unknown operator", name);
    return SCMP_CMP_EQ;
}

static char *next(char **save)
{
    char *word = strtok_r(NULL, " \n", save);
    if (!word) fail("rules", "a line ends too early");
    return word;
}

static int64_t now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

static int filter(uint32_t arch, const char *rules_path, const char *out_path, int tree)
{
    int64_t start = now_ns();
    FILE *rules = fopen(rules_path, "r");
    if (!rules) fail(rules_path, strerror(errno));
    char line[4096];
    scmp_filter_ctx ctx = NULL;
    uint32_t default_action = 0;
    while (fgets(line, sizeof line, rules)) {
        char *save, *word = strtok_r(line, " \n", &save);
        if (!word) continue;
        if (!strcmp(word, "default")) {
            char *name = next(&save);
            default_action = action(name, next(&save));
            ctx = seccomp_init(default_action);
            if (!ctx) fail("seccomp_init", "failed");
            if (tree && seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2) < 0) fail("optimize", "no binary tree in this libseccomp");
            // The filter of one architecture: the tests compare calls of that architecture only.
            if (seccomp_arch_native() != arch) {
                if (seccomp_arch_add(ctx, arch) < 0 || seccomp_arch_remove(ctx, SCMP_ARCH_NATIVE) < 0) fail("arch", "cannot switch");
            }
            continue;
        }
        if (!ctx || strcmp(word, "rule") != 0) fail(rules_path, "expected a default line, then rule lines");
        char *name = next(&save), *act = next(&save);
        uint32_t rule_action = action(act, next(&save));
        int nr = seccomp_syscall_resolve_name_arch(arch, name);
        if (nr == __NR_SCMP_ERROR) printf("name %s none\n", name);
        else printf("name %s %d\n", name, nr);
        struct scmp_arg_cmp cmp[6];
        unsigned n = 0;
        char *index;
        while ((index = strtok_r(NULL, " \n", &save)) && n < 6) {
            enum scmp_compare op = compare(next(&save));
            uint64_t value = strtoull(next(&save), NULL, 0), two = strtoull(next(&save), NULL, 0);
            cmp[n++] = (struct scmp_arg_cmp){(unsigned)atoi(index), op, value, two};
        }
        // runc: a rule whose action is the default's is redundant (libseccomp would refuse it); an unknown name is skipped.
        if (rule_action == default_action || nr == __NR_SCMP_ERROR) continue;
        // seccomp_rule_add takes the number in the host's numbering (or a pseudo number) and translates it to
        // each architecture of the filter by name: the host's number, not ARCH's.
        int rc = seccomp_rule_add_array(ctx, rule_action, seccomp_syscall_resolve_name(name), n, cmp);
        if (rc < 0) {
            // runc fails the container with this error: exit 2 says so, and names the syscall.
            printf("refused %s %d\n", name, nr);
            fprintf(stderr, "libseccomp_oci: seccomp_rule_add(%s): %s\n", name, strerror(-rc));
            return 2;
        }
    }
    fclose(rules);
    if (!ctx) fail(rules_path, "no default line");
    int fd = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0) fail(out_path, strerror(errno));
    int rc = seccomp_export_bpf(ctx, fd);
    if (rc < 0) fail("seccomp_export_bpf", strerror(-rc));
    close(fd);
    seccomp_release(ctx);
    printf("time_ns %lld\n", (long long)(now_ns() - start));
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 3) fail("usage", "filter ARCH RULES OUT [tree] | names ARCH");
    uint32_t arch = seccomp_arch_resolve_name(argv[2]);
    if (!arch) fail("unknown architecture", argv[2]);
    if (!strcmp(argv[1], "names")) {
        for (int nr = 0; nr < 4096; nr++) {
            char *name = seccomp_syscall_resolve_num_arch(arch, nr);
            if (name) printf("%d %s\n", nr, name);
            free(name);
        }
        return 0;
    }
    if (!strcmp(argv[1], "filter") && (argc == 5 || (argc == 6 && !strcmp(argv[5], "tree"))))
        return filter(arch, argv[3], argv[4], argc == 6);
    fail("usage", "filter ARCH RULES OUT [tree] | names ARCH");
    return 1;
}
