// Stage 2 as a program: the parent compiles a plan into the flat list of kernel operations below
// (src/NsSandbox.Linux/Stage2Code/ProgramWriter.cs writes it; Opcode.cs mirrors this enum) and the child of
// clone, or mode execve's constructor, executes it with no managed runtime and no allocation.
#pragma once
#include <stdint.h>

#define NSS_PROG_MAGIC 0x3250534e // "NSP2"
#define NSS_PROG_VERSION 1
// Descriptors of detached mount trees (open_tree) a program may hold at once.
#define NSS_PROG_SLOTS 1024
// Messages stage 2 writes on the sync socket (little-endian int32 words).
#define NSS_MSG_GO 0x21216f67          // parent to stage 2: the maps are written, go ahead
#define NSS_MSG_START 0x74727473       // parent to stage 2 at NSS_OP_AWAIT_START: the set-up is done, exec
#define NSS_MSG_STAGE2_FAILED 0x4c494146 // {magic, op index, errno}; stage 2 exits right after
#define NSS_MSG_TIMING 0x454d4954        // {magic, count, struct nss_stamp[count]}
#define NSS_MSG_READY 0x59444552         // stage 2 at NSS_OP_AWAIT_FIFO: set up, waiting for its start
#define NSS_MSG_PAUSED 0x53554150        // stage 2 at NSS_OP_PAUSE: waiting for NSS_MSG_GO
// Bit of NSS_OP_EXEC's e above the seccomp flags: exec without setting no_new_privs.
#define NSS_EXEC_KEEP_PRIVS (1ull << 32)
// Bit of NSS_OP_EXEC's e: execveat the descriptor in the slot at bits 40-55 (opened before the mounts) instead
// of a candidate path (nsjail's exec_fd).
#define NSS_EXEC_FROM_SLOT (1ull << 33)
#define NSS_EXEC_SLOT(e) ((uint32_t)(((e) >> 40) & 0xffff))
#define NSS_MSG_PTY 0x21595450           // NSS_OP_OPEN_PTY: the pty's master rides along (SCM_RIGHTS)
#define NSS_MSG_TREE 0x45455254          // parent to stage 2 at NSS_OP_RECV_TREE: a detached mount tree (SCM_RIGHTS)
// Pseudo op indices of the two stamps stage 2 takes outside any op.
#define NSS_STAMP_STARTED 0xffffffffu
#define NSS_STAMP_GO 0xfffffffeu

enum nss_opcode {
    NSS_OP_MOUNT = 1,        // a=source b=target c=fstype d=flags e=data (strings; 0 is NULL)
    NSS_OP_SETATTR,          // a=path b=recursive d=attr_set: mount_setattr, not following a final symlink
    NSS_OP_OPEN_TREE,        // a=source b=recursive c=slot: open_tree(OPEN_TREE_CLONE)
    NSS_OP_TREE_SETATTR,     // c=slot b=recursive d=attr_set
    NSS_OP_MOVE_MOUNT,       // c=slot a=target
    NSS_OP_CLOSE,            // c=slot
    NSS_OP_UMOUNT,           // a=target b=flags
    NSS_OP_ENSURE_DIR,       // a=path b=mode: mkdir unless a directory is there
    NSS_OP_ENSURE_FILE,      // a=path b=mode: create unless a regular file is there
    NSS_OP_REQUIRE,          // a=path b=1 directory, 0 not a directory (never created: it is in a host tree)
    NSS_OP_SYMLINK,          // a=target b=link path
    NSS_OP_PIVOT_ROOT,       // a=new root b=put old
    NSS_OP_CHDIR,            // a=path
    NSS_OP_SETHOSTNAME,      // a=name b=length
    NSS_OP_LOOPBACK_UP,      //
    NSS_OP_SETRLIMIT,        // a=resource d=soft e=hard
    NSS_OP_SETSID,           //
    NSS_OP_SETGROUPS_EMPTY,  //
    NSS_OP_SETRESGID,        // a=gid
    NSS_OP_SETRESUID,        // a=uid
    NSS_OP_DROP_CAPS,        //
    NSS_OP_PDEATHSIG,        // a=signal
    NSS_OP_MARK,             // a=step name: a --trace_timing stamp
    NSS_OP_EXEC,             // a=candidates b=argv c=envp (string arrays) d=filter e=seccomp flags; last
    NSS_OP_AWAIT_START,      // blocks until NSS_MSG_START (the sandbox is set up, it runs later: OCI start)
    NSS_OP_OPEN,             // a=path b=open flags c=slot: a descriptor the program keeps (an OCI exec fifo)
    NSS_OP_AWAIT_FIFO,       // c=slot: sends NSS_MSG_READY, then blocks until NSS_MSG_START is read from the slot
    NSS_OP_CAP_BOUNDING,     // d=capabilities to keep in the bounding set (needs CAP_SETPCAP: before the id switch)
    NSS_OP_CAPSET,           // d=offset of {uint64 effective, permitted, inheritable, ambient}
    NSS_OP_KEEPCAPS,         // a=0|1: prctl(PR_SET_KEEPCAPS), so that a switch away from uid 0 keeps permitted caps
    NSS_OP_SETGROUPS,        // d=offset of {uint32 count; uint32 gids[count]}
    NSS_OP_MKNOD,            // a=path b=mode (type and permissions) d=device number (makedev)
    NSS_OP_WRITE_FILE,       // a=path b=text c=its length: an existing file written whole (a sysctl of the new namespaces)
    NSS_OP_PAUSE,            // sends NSS_MSG_PAUSED, then waits for NSS_MSG_GO (the parent runs hooks meanwhile)
    NSS_OP_FIND_EXEC,        // a=candidates: fails as the exec would if none is an executable file (checked early)
    NSS_OP_SETCTTY,          // a=fd: makes the terminal on fd the session's controlling terminal (after setsid)
    NSS_OP_SETNS,            // a=path b=namespace type c=0, or slot+1 of the namespace opened before: joins it (exec, hooks)
    NSS_OP_SECCOMP,          // d=filter e=seccomp flags: loads it now, without no_new_privs (needs CAP_SYS_ADMIN)
    NSS_OP_OPEN_PTY,         // a=ptmx path: a new pty of the sandbox's /dev/ptmx: its slave onto 0, 1, 2, its master sent (NSS_MSG_PTY)
    NSS_OP_PERSONALITY,      // a=persona: personality(2)
    NSS_OP_SETPRIORITY,      // a=niceness (int32): setpriority(PRIO_PROCESS, 0, a)
    NSS_OP_SETAFFINITY,      // d=CPU mask (8-byte words, as a filter): sched_setaffinity(0, ...)
    NSS_OP_DISABLE_TSC,      // prctl(PR_SET_TSC, PR_TSC_SIGSEGV)
    NSS_OP_NULL_FDS,         // a=path (/dev/null) b=mask of descriptors 0-2 to put it on
    NSS_OP_RMDIR,            // a=path: removes an empty directory (the skeleton's staging place for shadows)
    NSS_OP_RECV_TREE,        // c=slot: receives a mount tree the parent made (NSS_MSG_TREE with SCM_RIGHTS), e.g. an id-mapped rootfs
    NSS_OP_LIMIT             // one past the last opcode; new ones go above, existing numbers never change
};

// A string is an offset from the start of the program to a NUL-terminated string. A string array is an
// offset to {uint64 count; uint64 offsets[count]; uint64 0}: the interpreter turns the offsets into pointers
// in place, so the program must be in writable memory. A block of words (the seccomp filter, a CPU mask) is
// {uint32 count; pad; count 8-byte words}: for the filter, one sock_filter each.
struct nss_op {
    uint32_t code;
    uint32_t what; // "mount /data": what the op does, for mode execve's error message
    uint32_t a, b, c, pad;
    uint64_t d, e;
};

// One timestamp of NSS_MSG_TIMING: the op it was taken at (or NSS_STAMP_*) and CLOCK_MONOTONIC in ns.
struct nss_stamp {
    uint32_t op, pad;
    int64_t ns;
};

struct nss_prog {
    uint32_t magic, version;
    uint32_t op_count, ops; // ops: offset of op_count struct nss_op
    uint32_t length, flags; // length of the whole program; flags: NSS_PROG_TIMING
};
#define NSS_PROG_TIMING 1u

// Where a program stopped: the op that failed (or NSS_STAMP_STARTED for a malformed program, NSS_STAMP_GO, or
// op_count when it ended without an exec), errno, and the op's description if the program carries one.
struct nss_failure {
    uint32_t index;
    int32_t err;
    const char *what;
};

// Runs the program. With sync_fd >= 0 (a child of nss_spawn) it first waits for NSS_MSG_GO, reports a failure
// or its timestamps on the socket, and leaves the target's execve to close it; with die_with_parent it exits
// rather than exec once the parent has closed its end. With -1 (mode execve) there is no parent: the caller
// prints the failure. Returns only on failure, filling *failure, with the exit status to use. It writes
// nothing but its stack, the program and *failure, and uses no libc but memset/memcpy: it runs in the child
// of clone, on the spawning thread's TLS.
int nss_run_program(void *program, uint32_t length, int sync_fd, int die_with_parent, struct nss_failure *failure);
