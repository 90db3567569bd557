// Clones the sandbox's first process. The .NET runtime is multi-threaded: a forked copy of it may deadlock on
// a lock held by a thread that did not survive the fork, so the child runs no managed code and no libc that
// keeps state. It executes stage 2's program (nss_stage2.c), compiled from the plan by the parent before the
// clone, with raw system calls, and ends in the target's execve.
//
// On x86_64 the child shares the parent's memory (CLONE_VM, as posix_spawn does) on a stack of its own:
// no page tables are copied and neither side takes copy-on-write faults, which cost ~70 page faults per
// launch. posix_spawn also suspends the parent (CLONE_VFORK) until the exec; ours cannot, as it must write
// the child's id maps first, so the child keeps to its own stack, its own copy of the program and raw
// system calls, and the parent frees that memory only once the child has exec'd or died.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <pthread.h>

#include "nss_child.h"
#include "nss_shim.h"
#include "nss_sys.h"

#ifndef SYS_clone3
#define SYS_clone3 435
#endif

// Mirrors the kernel's struct clone_args (CLONE_ARGS_SIZE_VER2: with the cgroup field).
struct nss_clone_args {
    uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls, set_tid, set_tid_size,
        cgroup;
};

#define CHILD_STACK (256 * 1024)
#define GUARD 4096

#if NSS_CLONE_VM
// clone3 onto the child's own stack: the child has no frame to return to, so it calls nss_child_main directly
// (nss_child.c: the child's code, built apart from this file's).
static long clone3_on_stack(struct nss_clone_args *args, size_t size, const struct nss_child_start *start)
{
    register long fn __asm__("r12") = (long)nss_child_main;
    register long arg __asm__("r13") = (long)start;
    long ret;
    __asm__ volatile("syscall\n\t"
                     "test %%rax, %%rax\n\t"
                     "jnz 1f\n\t"
                     "xor %%ebp, %%ebp\n\t"
                     "mov %%r13, %%rdi\n\t"
                     "call *%%r12\n\t"
                     "ud2\n"
                     "1:"
                     : "=a"(ret)
                     : "0"((long)SYS_clone3), "D"(args), "S"(size), "r"(fn), "r"(arg)
                     : "rcx", "r11", "memory");
    return ret;
}
#endif

// This process's dumpable flag before its first spawn. A child sharing its memory clears the flag for both when
// it switches ids, so a spawn while another child runs would read the cleared flag and never restore it.
static int first_dumpable = -1;

static int dumpable_before_children(void)
{
    int seen = __atomic_load_n(&first_dumpable, __ATOMIC_ACQUIRE);
    if (seen >= 0) return seen;
    int now = prctl(PR_GET_DUMPABLE, 0, 0, 0, 0);
    // The first spawn to store wins; its read came before its clone, so before any child ran.
    if (__atomic_compare_exchange_n(&first_dumpable, &seen, now, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) return now;
    return seen;
}

int nss_spawn(const struct nss_spawn_req *req, struct nss_child *child)
{
    memset(child, 0, sizeof *child);
    child->pidfd = -1;
    child->dumpable = dumpable_before_children();
    struct nss_clone_args args;
    memset(&args, 0, sizeof args);
    int pidfd = -1;
    args.flags = req->clone_flags | CLONE_PIDFD;
    args.pidfd = (uint64_t)(uintptr_t)&pidfd;
    args.exit_signal = SIGCHLD;
    size_t size = 64; // CLONE_ARGS_SIZE_VER0
    if (req->cgroup_fd >= 0) {
        args.flags |= CLONE_INTO_CGROUP;
        args.cgroup = (uint64_t)req->cgroup_fd;
        size = sizeof args;
    }
    if (req->cgroup_tasks_count < 0 || req->cgroup_tasks_count > NSS_CGROUP_TASKS_MAX) return -EINVAL;
    struct nss_child_start local = {req->sync_fd,
                                {req->stdio_fds[0], req->stdio_fds[1], req->stdio_fds[2]},
                                req->die_with_parent != 0,
                                req->program_length,
                                (void *)req->program,
                                req->cgroup_tasks_count,
                                {0}};
    memcpy(local.cgroup_tasks_fds, req->cgroup_tasks_fds, sizeof local.cgroup_tasks_fds);
    const struct nss_child_start *start = &local;
#if NSS_CLONE_VM
    // [guard][stack][start][program]: the program is the child's to relocate in place.
    size_t region_size = GUARD + CHILD_STACK + sizeof local + req->program_length;
    char *region = mmap(NULL, region_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
    if (region == MAP_FAILED) return -errno;
    if (mprotect(region, GUARD, PROT_NONE) != 0) {
        int err = errno;
        munmap(region, region_size);
        return -err;
    }
    struct nss_child_start *shared = (struct nss_child_start *)(void *)(region + GUARD + CHILD_STACK);
    *shared = local;
    shared->program = shared + 1;
    memcpy(shared->program, req->program, req->program_length);
    start = shared;
    args.flags |= CLONE_VM;
    args.stack = (uint64_t)(uintptr_t)(region + GUARD);
    args.stack_size = CHILD_STACK;
#endif
    // No signal handler of the runtime may run in the child before it resets them all.
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
#if NSS_CLONE_VM
    long pid = clone3_on_stack(&args, size, start);
#else
    long pid = nss_sys2(SYS_clone3, (long)&args, (long)size);
    if (pid == 0) nss_child_main(start);
#endif
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (pid < 0) {
#if NSS_CLONE_VM
        munmap(region, region_size);
#endif
        return (int)pid;
    }
    child->pid = (int32_t)pid;
    child->pidfd = pidfd;
#if NSS_CLONE_VM
    child->region = region;
    child->region_size = region_size;
#endif
    return 0;
}

void nss_child_release(struct nss_child *child)
{
    if (child->region) munmap(child->region, child->region_size);
    child->region = NULL;
    if (child->dumpable == 1 && prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) != 1) prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
}
