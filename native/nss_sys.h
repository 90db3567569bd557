// System calls without libc, for stage 2. On x86_64 the child of clone shares the parent's memory
// (CLONE_VM, see nss_spawn) and runs on the parent thread's TLS: libc wrappers would write errno and
// cancellation state that belong to that running thread. nss_sys returns the kernel's result as is
// (-errno on failure) and touches no memory. Elsewhere the child is a copy-on-write fork, so libc's
// syscall() is safe and serves.
#pragma once
#include <errno.h>
#include <sys/syscall.h>
#include <unistd.h>

#if defined(NSS_SYS_FAKE)
// tests/nss_fuzz.c: every system call goes to the harness, which records it and makes none.
#define NSS_CLONE_VM 0
long nss_fake_sys(long n, long a, long b, long c, long d, long e, long f);
__attribute__((noreturn)) void nss_fake_exit(int status);
static inline long nss_sys6(long n, long a, long b, long c, long d, long e, long f)
{
    return nss_fake_sys(n, a, b, c, d, e, f);
}
#elif defined(__x86_64__) && !defined(NSS_NO_CLONE_VM)
#define NSS_CLONE_VM 1
static inline long nss_sys6(long n, long a, long b, long c, long d, long e, long f)
{
    register long r10 __asm__("r10") = d;
    register long r8 __asm__("r8") = e;
    register long r9 __asm__("r9") = f;
    long ret;
    __asm__ volatile("syscall"
                     : "=a"(ret)
                     : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
                     : "rcx", "r11", "memory");
    return ret;
}
#else
#define NSS_CLONE_VM 0
static inline long nss_sys6(long n, long a, long b, long c, long d, long e, long f)
{
    long ret = syscall(n, a, b, c, d, e, f);
    return ret == -1 ? -errno : ret;
}
#endif

static inline long nss_sys0(long n) { return nss_sys6(n, 0, 0, 0, 0, 0, 0); }
static inline long nss_sys1(long n, long a) { return nss_sys6(n, a, 0, 0, 0, 0, 0); }
static inline long nss_sys2(long n, long a, long b) { return nss_sys6(n, a, b, 0, 0, 0, 0); }
static inline long nss_sys3(long n, long a, long b, long c) { return nss_sys6(n, a, b, c, 0, 0, 0); }
static inline long nss_sys4(long n, long a, long b, long c, long d) { return nss_sys6(n, a, b, c, d, 0, 0); }
static inline long nss_sys5(long n, long a, long b, long c, long d, long e) { return nss_sys6(n, a, b, c, d, e, 0); }

// Exits this process only (the child never shares a thread group, so exit_group is the whole child).
static inline __attribute__((noreturn)) void nss_exit(int status)
{
#if defined(NSS_SYS_FAKE)
    nss_fake_exit(status);
#else
    for (;;) nss_sys1(SYS_exit_group, status);
#endif
}
