#!/usr/bin/env python3
"""Clients and measurements for bench/listen.sh (mode listen next to socat + bubblewrap and nsjail -Ml).

Every server runs the same command per connection: it says "ready", reads a line and echoes it. Subcommands:

    rate HOST PORT SECONDS CONCURRENCY      connections served per second: each client connects, reads "ready",
                                            sends a line, reads the echo and end of file; prints "served seconds errors"
    hold HOST PORT N PID EXCLUDE_COMM       opens N connections, waits until every sandbox said "ready", then
                                            prints the resident and proportional memory of PID and its descendants
                                            (those named EXCLUDE_COMM, the sandboxed command, left out), in KiB:
                                            "rss pss processes"; then closes them
    report RESULTS_DIR BENCHMARKS_MD        writes the results between the listen markers of docs/benchmarks.md
"""
import os
import platform
import re
import socket
import statistics
import sys
import threading
import time
from datetime import datetime, timezone

BEGIN, END = "<!-- listen:begin -->", "<!-- listen:end -->"
TIMEOUT = 60


def one_exchange(host, port):
    with socket.create_connection((host, port), timeout=TIMEOUT) as s:
        f = s.makefile("rwb")
        if f.readline() != b"ready\n":
            return False
        f.write(b"ping\n")
        f.flush()
        return f.readline() == b"ping\n" and f.read() == b""


def rate(host, port, seconds, concurrency):
    served, errors = [0], [0]
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def worker():
        while time.monotonic() < deadline:
            try:
                ok = one_exchange(host, port)
            except OSError:
                ok = False
            with lock:
                if ok:
                    served[0] += 1
                else:
                    errors[0] += 1
    start = time.monotonic()
    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print(served[0], f"{time.monotonic() - start:.3f}", errors[0])


def descendants(pid):
    """pid and every process below it, from /proc/PID/task/*/children."""
    found, pending = [], [pid]
    while pending:
        p = pending.pop()
        found.append(p)
        try:
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as f:
                    pending += [int(c) for c in f.read().split()]
        except OSError:
            pass
    return found


def memory_of(pid, exclude):
    rss = pss = count = 0
    for p in descendants(pid):
        try:
            with open(f"/proc/{p}/comm") as f:
                if f.read().strip() == exclude:
                    continue
            with open(f"/proc/{p}/smaps_rollup") as f:
                fields = dict(line.split(":", 1) for line in f if ":" in line and not line.startswith(" "))
            rss += int(fields["Rss"].split()[0])
            pss += int(fields["Pss"].split()[0])
            count += 1
        except (OSError, KeyError, ValueError):
            pass
    return rss, pss, count


def hold(host, port, n, pid, exclude):
    clients = []
    for _ in range(n):
        s = socket.create_connection((host, port), timeout=TIMEOUT)
        clients.append(s)
    for s in clients:
        if s.makefile("rb").readline() != b"ready\n":
            raise SystemExit("a sandbox did not say ready")
    time.sleep(1)  # whatever the servers do once a connection has settled
    print(*memory_of(pid, exclude))
    for s in clients:
        s.close()


def read_tsv(path):
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return [line.rstrip("\n").split("\t") for line in f if line.strip()]


def report(results, md_path):
    servers = [line.split("\t", 1) for line in open(os.path.join(results, "servers.tsv")).read().splitlines() if line]
    names = [n for n, _ in servers]
    rates = {}
    for name, conc, served, took, errors in read_tsv(os.path.join(results, "rate.tsv")):
        rates.setdefault((name, int(conc)), []).append((int(served) / float(took), int(errors)))
    memory = {name: (int(rss), int(pss), int(count)) for name, rss, pss, count in read_tsv(os.path.join(results, "memory.tsv"))}
    versions = dict((r + [""])[:2] for r in read_tsv(os.path.join(results, "versions.tsv")))
    load = open("/proc/loadavg").read().split()[:3]
    with open("/proc/cpuinfo") as f:
        model = next((line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), "?")
    ours = "nssandbox"
    peers = [n for n in names if n != ours]
    lines = [BEGIN, "", "## Mode listen", "",
             f"- {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, Linux {platform.release()}, {model}, {os.cpu_count()} CPUs; "
             f"load average at the end {' '.join(load)} (the machine was shared: compare ratios)",
             f"- peers: socat {versions.get('socat', '?')} starting bubblewrap {versions.get('bwrap', '?')} per connection"
             + (", and nsjail (the binary given)" if "nsjail" in names else "; nsjail was not given (`bench/listen.sh NSJAIL_BINARY`)"),
             "", "### Connections served per second", "",
             "Each connection: connect, read the sandbox's `ready`, send a line, read its echo and the close; clients "
             "back to back for the time given, the servers measured in turn, the median of the rounds.", "",
             "| concurrent clients | " + " | ".join(f"{n} /s" for n in names) + " | "
             + " | ".join(f"{ours} ÷ {p}" for p in peers) + " |",
             "|---:|" + "---:|" * (len(names) + len(peers))]
    for conc in sorted({c for _, c in rates}):
        med = {n: statistics.median(r for r, _ in rates[(n, conc)]) for n in names if (n, conc) in rates}
        if ours not in med:
            continue
        errs = sum(e for n in names for _, e in rates.get((n, conc), []))
        cells = [f"{med[n]:.1f}" if n in med else "" for n in names]
        ratios = [f"{med[ours] / med[p]:.2f}x" if med.get(p) else "" for p in peers]
        lines.append(f"| {conc} | " + " | ".join(cells) + " | " + " | ".join(ratios) + " |"
                     + (f" <!-- {errs} failed exchanges -->" if errs else ""))
    lines += ["", "### Memory with 100 open connections", "",
              "Every process that serves the connections (the sandboxed commands left out), 1 s after all 100 "
              "sandboxes said `ready`. PSS shares each page among the processes that map it, so libraries and "
              "binaries shared by many processes count once.", "",
              "| server | processes | resident KiB (sum) | proportional KiB (PSS) | " + " | ".join(f"{ours} ÷ {p} (PSS)" for p in peers) + " |",
              "|---|---:|---:|---:|" + "---:|" * len(peers)]
    for n in names:
        if n not in memory:
            continue
        rss, pss, count = memory[n]
        ratios = [f"{memory[ours][1] / memory[p][1]:.2f}x" if n == ours and p in memory else "" for p in peers]
        lines.append(f"| {n} | {count} | {rss} | {pss} | " + " | ".join(ratios) + " |")
    lines += ["", "Commands (run from the repository; `$WORK` is the script's temporary directory):", ""]
    lines += [f"- {n}: `{cmd}`" for n, cmd in servers]
    lines += ["", END]
    text = open(md_path).read()
    if BEGIN not in text:
        text = text.rstrip("\n") + f"\n\n{BEGIN}\n{END}\n"
    text = re.sub(re.escape(BEGIN) + ".*?" + re.escape(END), lambda _: "\n".join(lines), text, flags=re.S)
    with open(md_path, "w") as f:
        f.write(text)


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "rate":
        rate(args[0], int(args[1]), float(args[2]), int(args[3]))
    elif cmd == "hold":
        hold(args[0], int(args[1]), int(args[2]), int(args[3]), args[4])
    elif cmd == "report":
        report(args[0], args[1])
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main()
