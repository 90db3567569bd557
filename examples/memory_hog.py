"""Allocates and touches memory 64 MiB at a time until a limit stops it (or 4 GiB, so that it stops by
itself outside a sandbox). Under an address-space or data rlimit the allocation fails (MemoryError);
under a cgroup memory limit the kernel kills the process (SIGKILL, out of memory)."""
import sys

CHUNK = 64 << 20
CAP = int(sys.argv[1]) << 20 if len(sys.argv) > 1 else 4 << 30
held = []
try:
    while len(held) * CHUNK < CAP:
        held.append(bytearray(b"x" * CHUNK))
        print(f"holding {len(held) * 64} MiB", flush=True)
except MemoryError:
    print(f"MemoryError after {len(held) * 64} MiB", flush=True)
    sys.exit(1)
print(f"no limit stopped it: reached the cap of {CAP >> 20} MiB")
