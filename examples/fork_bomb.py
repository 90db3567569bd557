"""Forks sleeping children until fork fails (at most 2000, so that it stops by itself outside a sandbox).
Under --rlimit_nproc or a cgroup pids limit fork fails with EAGAIN; the children die with the sandbox."""
import os
import sys
import time

CAP = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
children = 0
try:
    while children < CAP:
        if os.fork() == 0:
            time.sleep(30)
            os._exit(0)
        children += 1
except OSError as e:
    print(f"fork failed after {children} children: {e.strerror}", flush=True)
    sys.exit(1)
print(f"no limit stopped it: reached the cap of {CAP} children")
