"""Spins on the CPU (for at most 60 s of wall time, so that it stops by itself). --rlimit_cpu N has the
kernel kill it after N seconds of CPU time (SIGKILL: nssandbox sets the soft and hard limits alike);
--time_limit N kills the whole sandbox after N seconds of wall time (exit status 124)."""
import time

start = time.monotonic()
n = 0
while time.monotonic() - start < 60:
    n += 1
print(f"no limit stopped it: {n} iterations in 60 s")
