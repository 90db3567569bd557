#!/usr/bin/env bash
# Docker's default seccomp profile, exactly as a real dockerd sends it (tools/capture-docker-seccomp.sh), compiled by
# nssandbox and by libseccomp the way runc builds it: program size, instructions the filter runs for common calls,
# and compile time (median of RUNS). Needs root, docker.io, gcc, libseccomp-dev, python3 and artifacts/bin/nssandbox
# (./build.sh).
#
#   bench/oci-seccomp.sh [RUNS]
#
# nssandbox's time is `policy check --oci`'s own figure: read, parse and compile in a fresh process, as the runtime
# does once per container. libseccomp's is building the filter from the rules and exporting it
# (tests/NsSandbox.Policy.Tests/Oci/libseccomp_oci.c, which plays runc), linear and with the binary tree runc asks
# for above 32 rules; runc then puts its ENOSYS stub in front (6 or 7 instructions run on every call, not counted).
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-20}
nss=${NSSANDBOX_BIN:-artifacts/bin/nssandbox}
[ -x "$nss" ] || { echo "bench: $nss is missing: run ./build.sh" >&2; exit 1; }
[ -e /usr/include/seccomp.h ] || { echo "bench: needs libseccomp-dev" >&2; exit 1; }

work=$(mktemp -d /tmp/nss-oci-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
status=0
bash tools/capture-docker-seccomp.sh "$work" >/dev/null || status=$?
if [ "$status" != 0 ]; then
  echo "bench: could not capture Docker's profile (exit $status)" >&2
  exit "$status"
fi
profile=$work/default.json
gcc -O2 -Wall -o "$work/libseccomp_oci" tests/NsSandbox.Policy.Tests/Oci/libseccomp_oci.c -lseccomp
gcc -O2 -Wall -o "$work/seccompbench" bench/src/seccompbench.c -lseccomp

# runtime-spec's linux.seccomp as the helper's rules: "default ACTION ERRNO", "rule NAME ACTION ERRNO [INDEX OP V1 V2]...".
python3 - "$profile" >"$work/rules" <<'EOF'
import json, sys
s = json.load(open(sys.argv[1]))["linux"]["seccomp"]
errno = lambda v: "-" if v is None else str(v)
print("default", s["defaultAction"], errno(s.get("defaultErrnoRet")))
for r in s.get("syscalls") or []:
    args = " ".join(f'{a["index"]} {a["op"]} {a["value"]} {a.get("valueTwo", 0)}' for a in r.get("args") or [])
    for name in r["names"]:
        print("rule", name, r["action"], errno(r.get("errnoRet")), args)
EOF

median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

"$nss" policy compile --oci "$profile" --format bpf >"$work/nssandbox.bpf"
for _ in $(seq "$runs"); do
  "$nss" policy check --oci "$profile" | head -n 1 | sed -E 's/.*compiled in ([0-9.]+) ms$/\1/'
done | median >"$work/nssandbox.ms"
for mode in linear tree; do
  for _ in $(seq "$runs"); do
    "$work/libseccomp_oci" filter x86_64 "$work/rules" "$work/libseccomp-$mode.bpf" $([ "$mode" = tree ] && echo tree) |
      awk '$1 == "time_ns" { printf "%.3f\n", $2 / 1e6 }'
  done | median >"$work/libseccomp-$mode.ms"
done

size() { echo $(($(stat -c %s "$1") / 8)); }
echo "Docker's default profile ($(python3 -c 'import json,sys; s=json.load(open(sys.argv[1]))["linux"]["seccomp"]; print(sum(len(r["names"]) for r in s["syscalls"]), "names,", len(s["syscalls"]), "entries")' "$profile")), x86_64, median of $runs runs:"
printf '%-22s %12s %12s\n' "" instructions "compile ms"
printf '%-22s %12s %12s\n' "nssandbox" "$(size "$work/nssandbox.bpf")" "$(cat "$work/nssandbox.ms")"
printf '%-22s %12s %12s\n' "libseccomp (linear)" "$(size "$work/libseccomp-linear.bpf")" "$(cat "$work/libseccomp-linear.ms")"
printf '%-22s %12s %12s\n' "libseccomp (tree)" "$(size "$work/libseccomp-tree.bpf")" "$(cat "$work/libseccomp-tree.ms")"
echo
echo "instructions run per call (arguments 0; libseccomp's without runc's stub):"
printf '%-14s %10s %10s %10s\n' call nssandbox linear tree
for call in read:0 write:1 futex:202 getpid:39 openat:257 epoll_wait:232 clone:56 mount:165 clone3:435; do
  name=${call%%:*} nr=${call##*:}
  printf '%-14s' "$name"
  for bpf in nssandbox libseccomp-linear libseccomp-tree; do
    printf ' %10s' "$("$work/seccompbench" count "$work/$bpf.bpf" "$nr" | awk '{ print $1 }')"
  done
  echo
done
