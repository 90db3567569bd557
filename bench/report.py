#!/usr/bin/env python3
"""Turns bench/run.sh's raw results into the results section of docs/benchmarks.md (between the
"results:begin" and "results:end" markers) and a PNG of the latency distributions.

    report.py RESULTS_DIR BENCHMARKS_MD PLOT_PNG SECCOMP_DEFAULT(0|1)
"""
import json
import os
import platform
import re
import statistics
import subprocess
import sys
from datetime import datetime, timezone

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (the backend must be chosen first)

BEGIN, END = "<!-- results:begin -->", "<!-- results:end -->"


def read_tsv(path):
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return [line.rstrip("\n").split("\t") for line in f if line.strip()]


def p95(values):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]


def first_line(cmd):
    try:
        return subprocess.run(cmd, capture_output=True, text=True, timeout=20).stdout.splitlines()[0].strip()
    except (OSError, IndexError, subprocess.TimeoutExpired):
        return "?"


def machine(results):
    model = "?"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as f:
        mem_kib = int(f.readline().split()[1])
    with open("/etc/os-release") as f:
        os_name = dict(line.rstrip().split("=", 1) for line in f if "=" in line).get("PRETTY_NAME", "?").strip('"')
    load = open("/proc/loadavg").read().split()[:3]
    start = os.path.join(results, "loadavg_start")
    at_start = open(start).read().split()[:3] if os.path.exists(start) else None
    return [
        f"- {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, {os_name}, Linux {platform.release()}",
        f"- {model}, {os.cpu_count()} CPUs, {mem_kib // 1024} MiB memory; load average "
        + (f"at the start {' '.join(at_start)}, " if at_start else "")
        + f"at the end {' '.join(load)} (other jobs shared the machine: compare ratios, which interleaving keeps fair, "
        f"more than absolute times)",
        f"- peers: {first_line(['bwrap', '--version'])}, {first_line(['unshare', '--version'])}, "
        f"{first_line(['firejail', '--version'])}",
    ]


def latency_section(results, plot_path):
    samples, cpu, faults = {}, {}, {}
    for name, wall, cpu_ns, *fault in read_tsv(os.path.join(results, "latency.tsv")):
        samples.setdefault(name, []).append(int(wall) / 1e6)
        cpu.setdefault(name, []).append(int(cpu_ns) / 1e6)
        if fault:
            faults.setdefault(name, []).append(int(fault[0]))
    commands = dict(read_tsv(os.path.join(results, "commands.tsv")))
    med = {n: statistics.median(v) for n, v in samples.items()}
    ours = [n for n in samples if n in ("nssandbox", "nssandbox+cgroup")]
    peers = [n for n in samples if not n.startswith("nssandbox")]
    runs = min(len(v) for v in samples.values())
    lines = [f"### Launch latency of /bin/true ({runs} runs each, interleaved)", "",
             "| launcher | median ms | p95 ms | CPU ms (median) | page faults (median) | "
             + " | ".join(f"{o} ÷ this" for o in ours) + " |",
             "|---|---:|---:|---:|---:|" + "---:|" * len(ours)]
    for n in samples:
        ratios = " | ".join("" if n == o else f"{med[o] / med[n]:.2f}x" for o in ours)
        fault = f"{statistics.median(faults[n]):.0f}" if n in faults else ""
        lines.append(f"| {n} | {med[n]:.2f} | {p95(samples[n]):.2f} | {statistics.median(cpu[n]):.2f} | {fault} | {ratios} |")
    lines += ["", "Command lines (the /data of bubblewrap is one directory for all runs; ours makes a fresh one per run):", ""]
    lines += [f"- {n}: `{commands.get(n, '?')}`" for n in samples]

    fig, ax = plt.subplots(figsize=(9, 0.6 * len(samples) + 1.5))
    names = list(samples)
    ax.boxplot([samples[n] for n in names], vert=False, labels=names, showfliers=True, whis=(5, 95),
               flierprops={"markersize": 2})
    ax.set_xscale("log")
    ax.set_xlabel("launch latency of /bin/true, ms (log scale; whiskers 5th-95th percentile)")
    ax.set_title(f"Launch latency, {runs} interleaved runs per launcher")
    ax.grid(axis="x", which="both", alpha=0.3)
    fig.tight_layout()
    fig.savefig(plot_path, dpi=110)
    lines += ["", f"![latency distributions]({os.path.basename(plot_path)})"]
    return lines, med, {n: statistics.median(v) for n, v in cpu.items()}, peers


def throughput_section(results):
    rows = read_tsv(os.path.join(results, "throughput.tsv"))
    rate = {(n, int(w)): int(starts) / float(took) for n, w, starts, took in rows}
    lines = ["### Throughput: sandboxes started per second", "",
             "| concurrent launchers | nssandbox /s | bwrap /s | nssandbox ÷ bwrap |", "|---:|---:|---:|---:|"]
    for w in sorted({w for _, w in rate}):
        a, b = rate.get(("nssandbox", w)), rate.get(("bwrap", w))
        if a and b:
            lines.append(f"| {w} | {a:.1f} | {b:.1f} | {a / b:.2f}x |")
    return lines


def memory(results):
    """Per launcher, the median over the rounds of (processes, resident, peak resident, private) KiB."""
    rounds = {}
    for name, *values in read_tsv(os.path.join(results, "rss.tsv")):
        rounds.setdefault(name, []).append([int(v) for v in values])
    return {n: [statistics.median(col) for col in zip(*rows)] for n, rows in rounds.items()}


def cost_section(results):
    lines = ["### Cost while running", "",
             "2 s into a run of /bin/sleep 4, the launcher's own processes (the sleep left out), the median of "
             "the rounds. Private: Private_Dirty of /proc/PID/smaps_rollup, the pages only that process wrote; "
             "the binary's clean pages, shared with every other launch, are left out.", "",
             "| launcher | processes | resident KiB | peak resident KiB | private KiB |", "|---|---:|---:|---:|---:|"]
    for name, (n, rss, hwm, private) in memory(results).items():
        lines.append(f"| {name} | {n:.0f} | {rss:.0f} | {hwm:.0f} | {private:.0f} |")
    size = int(open(os.path.join(results, "binary_size")).read())
    bwrap = os.path.getsize("/usr/bin/bwrap")
    lines += ["", f"Binary: nssandbox {size / 1048576:.1f} MiB (one self-contained NativeAOT file), "
                  f"bwrap {bwrap / 1024:.0f} KiB (links libselinux, libcap, libc)."]
    return lines


def targets(results, med, cpu):
    """Issue 20's launch targets, each with its figure and whether it holds."""
    lines = []

    def check(text, ok):
        lines.append(f"- {text}: {'met' if ok else 'NOT met'}")

    if "bwrap" in med:
        r = med["nssandbox"] / med["bwrap"]
        check(f"wall time {r:.2f}x bubblewrap's median (target: at most 0.80x)", r <= 0.8)
        c = cpu["nssandbox"] / cpu["bwrap"]
        check(f"CPU time {c:.2f}x bubblewrap's median (target: at most 1.00x)", c <= 1.0)
    if "nssandbox+cgroup" in med:
        d = med["nssandbox+cgroup"] - med["nssandbox"]
        check(f"with a cgroup {d:+.2f} ms over without (target: at most +1 ms)", d <= 1.0)
    mem = memory(results)
    if "nssandbox" in mem and "bwrap" in mem:
        a, b = mem["nssandbox"][3], mem["bwrap"][3]
        check(f"supervisor private memory {a:.0f} KiB, bubblewrap's {b:.0f} KiB (target: at most bubblewrap's)", a <= b)
    rate = {(n, int(w)): int(s) / float(t) for n, w, s, t in read_tsv(os.path.join(results, "throughput.tsv"))}
    if ("nssandbox", 8) in rate and ("bwrap", 8) in rate:
        r = rate[("nssandbox", 8)] / rate[("bwrap", 8)]
        check(f"8 concurrent launchers: {r:.2f}x bubblewrap's sandboxes per second (target: at least 1.50x)", r >= 1.5)
    return lines


def syscall_section(results):
    rows = read_tsv(os.path.join(results, "syscall.tsv"))
    if not rows:
        return ["### Syscall overhead", "", "Not measured: no policy file (see bench/run.sh)."]
    ns = {}
    for name, value in rows:
        ns.setdefault(name, []).append(float(value))
    # The best round: a filter only adds time, and on a shared machine the other rounds only add noise.
    med = {n: min(v) for n, v in ns.items()}
    rounds = min(len(v) for v in ns.values())
    counts = {}
    for prog, call, size, executed, ret in read_tsv(os.path.join(results, "bpf_count.tsv")):
        counts[(prog, call)] = (int(size) // 8, int(executed))
    program = {"none": None, "nssandbox": "policy", "libseccomp": "libseccomp", "libseccomp-tree": "libseccomp-tree"}
    tool = open(os.path.join(results, "policytool.txt")).read().strip().replace(os.getcwd() + "/", "")
    lines = ["### Syscall overhead under the default policy", "",
             f"getppid() in a loop, the best of {rounds} interleaved rounds of 2,000,000 calls. Policy: {tool}.", "",
             "| filter | ns per getppid | over no filter | program length | instructions run: read | getppid |",
             "|---|---:|---:|---:|---:|---:|"]
    for name in ["none", "nssandbox", "libseccomp", "libseccomp-tree"]:
        if name not in med:
            continue
        p = program[name]
        length = counts.get((p, "read"), ("", ""))[0] if p else ""
        r = counts.get((p, "read"), (0, ""))[1] if p else ""
        g = counts.get((p, "getppid"), (0, ""))[1] if p else ""
        over = f"{med[name] - med['none']:+.1f} ns" if name != "none" else ""
        lines.append(f"| {name} | {med[name]:.1f} | {over} | {length} | {r} | {g} |")
    return lines


def breakdown_section(results):
    with open(os.path.join(results, "breakdown.json")) as f:
        rows = json.load(f)
    before_path = os.path.join(results, "breakdown-before.json")
    before = {}
    if os.path.exists(before_path):
        with open(before_path) as f:
            before = {(r["process"], r["step"]): r["median_ms"] for r in json.load(f)}
    extra = " nssandbox-before ms |" if before else ""
    lines = ["### Where one launch spends its time (`--trace_timing`, median of 50 launches)", "",
             "| process | step that ended | median ms |" + extra, "|---|---|---:|" + ("---:|" if before else "")]
    for r in rows:
        b = before.get((r["process"], r["step"]))
        lines.append(f"| {r['process']} | {r['step']} | {r['median_ms']:.2f} |" + (f" {b:.2f} |" if before and b is not None else " |" if before else ""))
    total = f"| | sum of the medians | {sum(r['median_ms'] for r in rows):.2f} |"
    lines.append(total + (f" {sum(before.values()):.2f} |" if before else ""))
    return lines


def main():
    results, md_path, plot_path, seccomp_default = sys.argv[1:5]
    latency, med, cpu_med, peers = latency_section(results, plot_path)
    seccomp = ("the launcher's default seccomp policy is in force in both nssandbox rows, and bubblewrap loads the same program"
               if seccomp_default == "1" else
               "this launcher has no default seccomp policy yet: no launcher row filters system calls")
    section = [BEGIN, "", "## Results", "", *machine(results), f"- {seccomp}", "", "Against the targets:", "", *targets(results, med, cpu_med), "",
               *latency, "", *throughput_section(results), "", *cost_section(results), "",
               *syscall_section(results), "", *breakdown_section(results), "", END]
    text = open(md_path).read() if os.path.exists(md_path) else f"# Benchmarks\n\n{BEGIN}\n{END}\n"
    if BEGIN not in text:
        text = text.rstrip("\n") + f"\n\n{BEGIN}\n{END}\n"
    text = re.sub(re.escape(BEGIN) + ".*?" + re.escape(END), lambda _: "\n".join(section), text, flags=re.S)
    with open(md_path, "w") as f:
        f.write(text)


if __name__ == "__main__":
    main()
