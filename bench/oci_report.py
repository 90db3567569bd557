#!/usr/bin/env python3
"""Turns bench/oci.sh's raw results into the OCI section of docs/benchmarks.md (between the "oci-results:begin"
and "oci-results:end" markers; bench/report.py's own section is left alone).

    oci_report.py RESULTS_DIR BENCHMARKS_MD
"""
import os
import re
import statistics
import sys

from report import machine, p95, read_tsv

BEGIN, END = "<!-- oci-results:begin -->", "<!-- oci-results:end -->"


def table(results, figure, title):
    samples, cpu, faults = {}, {}, {}
    for name, wall, cpu_ns, fault in read_tsv(os.path.join(results, f"{figure}.tsv")):
        samples.setdefault(name, []).append(int(wall) / 1e6)
        cpu.setdefault(name, []).append(int(cpu_ns) / 1e6)
        faults.setdefault(name, []).append(int(fault))
    commands = {n: c for f, n, c in read_tsv(os.path.join(results, "commands.tsv")) if f == figure}
    med = {n: statistics.median(v) for n, v in samples.items()}
    runs = min(len(v) for v in samples.values())
    # CPU and faults are the launched command's and what it reaped: for docker, the client alone (the daemon,
    # containerd, the shim and the runtime run elsewhere), so they are shown only for the runtime alone.
    alone = figure == "bundle"
    lines = [f"### {title} ({runs} runs each, interleaved)", "",
             "| runtime | median ms | p95 ms |" + (" CPU ms (median) | page faults (median) |" if alone else "")
             + " nssandbox ÷ this |",
             "|---|---:|---:|" + ("---:|---:|" if alone else "") + "---:|"]
    for n in samples:
        extra = f" {statistics.median(cpu[n]):.2f} | {statistics.median(faults[n]):.0f} |" if alone else ""
        ratio = "" if n == "nssandbox" else f"{med['nssandbox'] / med[n]:.2f}x"
        lines.append(f"| {n} | {med[n]:.2f} | {p95(samples[n]):.2f} |{extra} {ratio} |")
    lines += ["", *[f"- {n}: `{commands.get(n, '?')}`" for n in samples]]
    return lines, med


def main():
    results, md_path = sys.argv[1:3]
    versions = dict(read_tsv(os.path.join(results, "versions.tsv")))
    docker, dmed = table(results, "docker", "`docker run --rm IMAGE true`")
    bundle, bmed = table(results, "bundle", "The runtime alone: `RUNTIME run --bundle` of /bin/true")
    seccomp = ("Docker's default seccomp profile for every runtime" if versions.get("seccomp") == "default" else
               "no seccomp filter for any runtime (`--security-opt seccomp=unconfined`: nssandbox does not compile "
               "Docker's profile yet, and the others run as it does)")
    hard = "nssandbox-hardened"
    def against(med, who="nssandbox"):
        return " and ".join(f"{med[who] / med[n]:.2f}x {n}'s" for n in med if n not in (who, hard))
    summary = [f"- `docker run`: nssandbox takes {against(dmed)} median time",
               f"- the runtime alone: nssandbox takes {against(bmed)} median time"]
    # The hardened mode (a user namespace, an id-mapped rootfs: an overlay made anew over its layers in docker's case).
    summary += [f"- {what}: nssandbox --hardened takes {med[hard] / med['nssandbox']:.2f}x plain nssandbox's and "
                f"{against(med, hard)} median time" for what, med in (("`docker run`", dmed), ("the runtime alone", bmed)) if hard in med]
    summary += [f"- {n} is left out: it does not run on this machine ({why})"
                for n, why in read_tsv(os.path.join(results, "left-out.tsv"))]
    section = [BEGIN, "", "## Results: the OCI runtime (bench/oci.sh)", "", *machine()[:2],
               f"- Docker {versions.get('docker', '?')}, containerd {versions.get('containerd', '?')}, "
               f"runc {versions.get('runc', '?')}, crun {versions.get('crun', '?')}, "
               f"nssandbox at {versions.get('nssandbox', '?')}",
               f"- {seccomp}",
               *(["- this host mounts cgroup v1 and a v2 hierarchy with controllers (hybrid): crun refuses that, so "
                  "the engine and the runtimes alone run in a mount namespace without the v2 hierarchy, every "
                  "runtime alike"] if versions.get("hybrid") == "1" else []),
               "", *summary, "", *docker, "", *bundle, "", END]
    text = open(md_path).read()
    if BEGIN not in text:
        text = text.rstrip("\n") + f"\n\n{BEGIN}\n{END}\n"
    text = re.sub(re.escape(BEGIN) + ".*?" + re.escape(END), lambda _: "\n".join(section), text, flags=re.S)
    with open(md_path, "w") as f:
        f.write(text)


if __name__ == "__main__":
    main()
