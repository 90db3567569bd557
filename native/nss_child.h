// The child of clone's entry point (nss_child.c), started by nss_spawn (nss_shim.c).
#pragma once
#include <stdint.h>

#include "nss_shim.h"

// What the child starts from, kept where the parent's later work cannot overwrite it (the child's region).
struct nss_child_start {
    int sync_fd;
    int stdio_fds[3];
    int die_with_parent;
    uint32_t program_length;
    void *program;
    int cgroup_tasks_count;
    int cgroup_tasks_fds[NSS_CGROUP_TASKS_MAX];
};

// Places the child's descriptors, then runs the program; never returns.
__attribute__((noreturn)) void nss_child_main(const struct nss_child_start *start);
