"""Writes a file 1 MiB at a time until a limit stops it (at most 1 GiB, so that it stops by itself).
Under --rlimit_fsize the write fails with EFBIG (File too large; Python ignores SIGXFSZ); on a full tmpfs
with ENOSPC. The file goes to the directory given (default /tmp)."""
import os
import sys

directory = sys.argv[1] if len(sys.argv) > 1 else "/tmp"
CAP = 1024
path = os.path.join(directory, "filler.bin")
written = 0
try:
    with open(path, "wb") as f:
        while written < CAP:
            f.write(b"\0" * (1 << 20))
            f.flush()
            written += 1
except OSError as e:
    print(f"write failed after {written} MiB: {e.strerror}", flush=True)
    sys.exit(1)
finally:
    if os.path.exists(path):
        os.remove(path)
print(f"no limit stopped it: wrote {written} MiB")
