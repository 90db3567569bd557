#!/usr/bin/env python3
"""Runs `nssandbox --trace_timing -- /bin/true` RUNS times and prints the median duration of each step of a
launch, from the timestamps the launcher prints (docs/benchmarks.md, "Where a launch spends its time").

    breakdown.py NSSANDBOX RUNS [--json FILE] [-- EXTRA FLAGS...]
"""
import json
import re
import statistics
import subprocess
import sys

# "nssandbox: timing AT_MS STEP_MS  PROCESS: STEP" (src/NsSandbox.Core/Timing/LaunchTrace.cs)
LINE = re.compile(r"^nssandbox: timing +([0-9.]+) +([0-9.]+)  ([^:]+): (.+)$")


def trace_once(binary, extra):
    p = subprocess.run([binary, "--trace_timing", "-q", *extra, "--", "/bin/true"],
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, check=True)
    steps = []
    for line in p.stderr.splitlines():
        m = LINE.match(line)
        if m:
            steps.append((m.group(3), m.group(4), float(m.group(2))))
    return steps


def main():
    args = sys.argv[1:]
    extra = args[args.index("--") + 1:] if "--" in args else []
    args = args[:args.index("--")] if "--" in args else args
    binary, runs = args[0], int(args[1])
    out = args[args.index("--json") + 1] if "--json" in args else None
    samples = {}
    order = []
    for _ in range(runs):
        for process, step, ms in trace_once(binary, extra):
            key = (process, step)
            if key not in samples:
                samples[key] = []
                order.append(key)
            samples[key].append(ms)
    rows = [{"process": p, "step": s, "median_ms": statistics.median(samples[(p, s)])} for p, s in order]
    total = sum(r["median_ms"] for r in rows)
    for r in rows:
        print(f"{r['process']:<11} {r['step']:<24} {r['median_ms']:8.3f} ms")
    print(f"{'':<11} {'sum of medians':<24} {total:8.3f} ms")
    if out:
        with open(out, "w") as f:
            json.dump(rows, f, indent=1)


if __name__ == "__main__":
    main()
