// cgroup v2 has no devices.allow/deny files: a container's device rules are an eBPF program of type
// BPF_PROG_TYPE_CGROUP_DEVICE attached to its cgroup (as runc and systemd do). The program is generated in C#
// (NsSandbox.Linux/Cgroups/DeviceProgram.cs); this file only loads and attaches it. The attachment holds the
// program: it lives as long as the cgroup, after the runtime process that attached it has exited.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "nss_shim.h"

static long bpf(int cmd, union bpf_attr *attr) { return syscall(SYS_bpf, cmd, attr, sizeof(*attr)); }

int nss_bpf_attach_device_program(int cgroup_fd, const void *insns, uint32_t count, char *log, uint32_t log_size)
{
    union bpf_attr load;
    memset(&load, 0, sizeof(load));
    load.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
    load.insns = (uint64_t)(uintptr_t)insns;
    load.insn_cnt = count;
    load.license = (uint64_t)(uintptr_t)"Apache";
    if (log && log_size > 0) {
        log[0] = 0;
        load.log_buf = (uint64_t)(uintptr_t)log;
        load.log_size = log_size;
        load.log_level = 1;
    }
    int prog = (int)bpf(BPF_PROG_LOAD, &load);
    if (prog < 0 && errno == ENOSPC && log) {
        // The verifier's log did not fit: load again without it, for the error alone.
        load.log_buf = 0, load.log_size = 0, load.log_level = 0;
        prog = (int)bpf(BPF_PROG_LOAD, &load);
    }
    if (prog < 0) return -errno;

    union bpf_attr attach;
    memset(&attach, 0, sizeof(attach));
    attach.target_fd = (uint32_t)cgroup_fd;
    attach.attach_bpf_fd = (uint32_t)prog;
    attach.attach_type = BPF_CGROUP_DEVICE;
    attach.attach_flags = BPF_F_ALLOW_MULTI;
    int rc = (int)bpf(BPF_PROG_ATTACH, &attach) < 0 ? -errno : 0;
    close(prog);
    return rc;
}
