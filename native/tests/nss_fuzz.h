// Shared by the interpreter fuzzer (nss_fuzz.c) and its fake system calls (nss_fuzz_sys.c).
#pragma once
#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>

// How the fake parent answers the interpreter's reads of the sync socket, and its ppoll before exec.
enum reply { REPLY_OK, REPLY_EOF, REPLY_WRONG, REPLY_ERROR };
// How a run ended: the interpreter returned a failure, execve succeeded, or it exited.
enum outcome { RAN_RETURNED = 1, RAN_EXEC, RAN_EXIT };

struct fake {
    // Set before a run.
    const uint8_t *program; // the copy being run: every path and string array the calls get must lie in it
    size_t length;
    int sync_fd;
    enum reply go, start, poll;
    uint64_t rng;      // drives injected errors
    int random_types;  // stat gives random file types, mkdir and create may find an entry; else all goes well
    unsigned fail_one_in; // each call fails with a random errno with probability 1/fail_one_in (0: never)
    long fail_call;    // this call (0-based) fails with fail_errno (-1: none)
    int fail_errno;
    jmp_buf *env;
    // Recorded.
    long calls;
    int go_done, eof_given, gone_given, sent_failure, exit_status;
    int32_t sent_index, sent_err;
};

extern struct fake fake;
// The case being run, printed when a sanitizer or a check stops the harness.
extern char fuzz_case[160];

__attribute__((noreturn)) void fuzz_fail(const char *fmt, ...);
uint64_t fuzz_next(uint64_t *state);
