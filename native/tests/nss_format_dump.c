// Prints every constant and layout the C# side mirrors, one "NAME VALUE" a line, for FormatAgreementTests.
#include <stddef.h>
#include <stdio.h>

#include "../nss_shim.h"
#include "../nss_stage2.h"

#define VALUE(name) printf("%s %lld\n", #name, (long long)(name))
#define SIZE(type) printf("sizeof(%s) %zu\n", #type, sizeof(struct type))
#define OFFSET(type, field) printf("offsetof(%s,%s) %zu\n", #type, #field, offsetof(struct type, field))

int main(void)
{
    VALUE(NSS_PROG_MAGIC);
    VALUE(NSS_PROG_VERSION);
    VALUE(NSS_PROG_SLOTS);
    VALUE(NSS_PROG_TIMING);
    VALUE(NSS_MSG_GO);
    VALUE(NSS_MSG_START);
    VALUE(NSS_MSG_STAGE2_FAILED);
    VALUE(NSS_MSG_TIMING);
    VALUE(NSS_MSG_READY);
    VALUE(NSS_MSG_PAUSED);
    VALUE(NSS_MSG_PTY);
    VALUE(NSS_MSG_SHIM_FAILED);
    VALUE(NSS_STAMP_STARTED);
    VALUE(NSS_STAMP_GO);
    VALUE(NSS_SYNC_FD);
    VALUE(NSS_SETUP_EXIT);
    VALUE(NSS_NOT_FOUND_EXIT);
    printf("NSS_EXECVE_STAGE %s\n", NSS_EXECVE_STAGE);

    VALUE(NSS_OP_MOUNT);
    VALUE(NSS_OP_SETATTR);
    VALUE(NSS_OP_OPEN_TREE);
    VALUE(NSS_OP_TREE_SETATTR);
    VALUE(NSS_OP_MOVE_MOUNT);
    VALUE(NSS_OP_CLOSE);
    VALUE(NSS_OP_UMOUNT);
    VALUE(NSS_OP_ENSURE_DIR);
    VALUE(NSS_OP_ENSURE_FILE);
    VALUE(NSS_OP_REQUIRE);
    VALUE(NSS_OP_SYMLINK);
    VALUE(NSS_OP_PIVOT_ROOT);
    VALUE(NSS_OP_CHDIR);
    VALUE(NSS_OP_SETHOSTNAME);
    VALUE(NSS_OP_LOOPBACK_UP);
    VALUE(NSS_OP_SETRLIMIT);
    VALUE(NSS_OP_SETSID);
    VALUE(NSS_OP_SETGROUPS_EMPTY);
    VALUE(NSS_OP_SETRESGID);
    VALUE(NSS_OP_SETRESUID);
    VALUE(NSS_OP_DROP_CAPS);
    VALUE(NSS_OP_PDEATHSIG);
    VALUE(NSS_OP_MARK);
    VALUE(NSS_OP_EXEC);
    VALUE(NSS_OP_AWAIT_START);
    VALUE(NSS_OP_OPEN);
    VALUE(NSS_OP_AWAIT_FIFO);
    VALUE(NSS_OP_CAP_BOUNDING);
    VALUE(NSS_OP_CAPSET);
    VALUE(NSS_OP_KEEPCAPS);
    VALUE(NSS_OP_SETGROUPS);
    VALUE(NSS_OP_MKNOD);
    VALUE(NSS_OP_WRITE_FILE);
    VALUE(NSS_OP_PAUSE);
    VALUE(NSS_OP_FIND_EXEC);
    VALUE(NSS_OP_SETCTTY);
    VALUE(NSS_OP_SETNS);
    VALUE(NSS_OP_SECCOMP);
    VALUE(NSS_OP_OPEN_PTY);
    VALUE(NSS_EXEC_KEEP_PRIVS);
    VALUE(NSS_EXEC_FROM_SLOT);
    printf("NSS_EXEC_SLOT_OF_BIT_40 %u\n", NSS_EXEC_SLOT(1ull << 40));
    VALUE(NSS_OP_PERSONALITY);
    VALUE(NSS_OP_SETPRIORITY);
    VALUE(NSS_OP_SETAFFINITY);
    VALUE(NSS_OP_DISABLE_TSC);
    VALUE(NSS_OP_NULL_FDS);
    VALUE(NSS_OP_RMDIR);
    VALUE(NSS_OP_RECV_TREE);
    VALUE(NSS_MSG_TREE);
    VALUE(NSS_OP_LIMIT);

    VALUE(NSS_STEP_PDEATHSIG);
    VALUE(NSS_STEP_CLOSE_FDS);
    VALUE(NSS_STEP_SYNC_FD);
    VALUE(NSS_STEP_STDIN);
    VALUE(NSS_STEP_STDOUT);
    VALUE(NSS_STEP_STDERR);
    VALUE(NSS_STEP_CGROUP);
    VALUE(NSS_CGROUP_TASKS_MAX);

    SIZE(nss_prog);
    OFFSET(nss_prog, magic);
    OFFSET(nss_prog, version);
    OFFSET(nss_prog, op_count);
    OFFSET(nss_prog, ops);
    OFFSET(nss_prog, length);
    OFFSET(nss_prog, flags);
    SIZE(nss_op);
    OFFSET(nss_op, code);
    OFFSET(nss_op, what);
    OFFSET(nss_op, a);
    OFFSET(nss_op, b);
    OFFSET(nss_op, c);
    OFFSET(nss_op, d);
    OFFSET(nss_op, e);
    SIZE(nss_stamp);
    OFFSET(nss_stamp, op);
    OFFSET(nss_stamp, ns);

    SIZE(nss_spawn_req);
    OFFSET(nss_spawn_req, clone_flags);
    OFFSET(nss_spawn_req, sync_fd);
    OFFSET(nss_spawn_req, cgroup_fd);
    OFFSET(nss_spawn_req, program);
    OFFSET(nss_spawn_req, program_length);
    OFFSET(nss_spawn_req, stdio_fds[0]);
    OFFSET(nss_spawn_req, stdio_fds[1]);
    OFFSET(nss_spawn_req, stdio_fds[2]);
    OFFSET(nss_spawn_req, die_with_parent);
    OFFSET(nss_spawn_req, cgroup_tasks_count);
    OFFSET(nss_spawn_req, cgroup_tasks_fds);
    SIZE(nss_child);
    OFFSET(nss_child, pid);
    OFFSET(nss_child, pidfd);
    OFFSET(nss_child, region);
    OFFSET(nss_child, region_size);
    OFFSET(nss_child, dumpable);
    OFFSET(nss_child, reserved);
    return 0;
}
