#!/usr/bin/env bash
# NsSandbox's benchmarks side by side with bubblewrap, unshare and firejail (docs/benchmarks.md).
#
#   sudo bench/run.sh            build, measure everything, rewrite docs/benchmarks.md's results and the plot
#
# Needs root (the launchers make user namespaces as root here, as the e2e tests do) and no network unless a
# peer is missing: then it installs it from Debian. It is not part of the test suite. Settings:
#   BENCH_RUNS=200           launches per launcher for the latency figures (interleaved A B C A B C ...)
#   BENCH_SECONDS=5          how long each throughput figure runs
#   BENCH_POLICY=FILE        the seccomp policy to measure (default: configs/policies/default.policy)
#   BENCH_NO_BUILD=1         use artifacts/bin/nssandbox as it is
#   BENCH_BINARY=FILE        measure this nssandbox binary instead (no build)
#   BENCH_OUT=DIR            keep the raw results there (default: a temporary directory)
#   BENCH_BEFORE=BINARY      an earlier nssandbox to compare with (latency and breakdown), e.g. built from
#                            an older commit in a scratch worktree
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
runs=${BENCH_RUNS:-200}
seconds=${BENCH_SECONDS:-5}
policy=${BENCH_POLICY:-$repo/configs/policies/default.policy}

[ "$(id -u)" = 0 ] || { echo "bench/run.sh: run as root (user namespaces with id maps for nobody)" >&2; exit 1; }

# --- peers ------------------------------------------------------------------------------------------------
need=()
command -v bwrap >/dev/null || need+=(bubblewrap)
command -v unshare >/dev/null || need+=(util-linux)
command -v firejail >/dev/null || need+=(firejail)
command -v gcc >/dev/null || need+=(gcc libc6-dev)
[ -e /usr/include/seccomp.h ] || need+=(libseccomp-dev)
/usr/bin/python3 -c "import matplotlib" 2>/dev/null || need+=(python3-matplotlib)
if [ ${#need[@]} -gt 0 ]; then
    echo "bench: installing ${need[*]}"
    apt-get install -y -q "${need[@]}" >/dev/null || { apt-get update -q >/dev/null && apt-get install -y -q "${need[@]}" >/dev/null; }
fi

out=${BENCH_OUT:-}
work=$(mktemp -d /tmp/nssandbox-bench.XXXXXX)
cleanup() { rm -rf "$work"; }
trap cleanup EXIT
[ -n "$out" ] || out=$work/results
mkdir -p "$out" "$work/state" "$work/data"

nss=${BENCH_BINARY:-$repo/artifacts/bin/nssandbox}
[ -n "${BENCH_NO_BUILD:-}" ] || [ -n "${BENCH_BINARY:-}" ] || ./build.sh >/dev/null
gcc -O2 -Wall -Wextra -Werror -o "$work/launchbench" bench/src/launchbench.c
gcc -O2 -Wall -Wextra -Werror -o "$work/seccompbench" bench/src/seccompbench.c -lseccomp

# --- the seccomp policy, compiled by us and exported for libseccomp ------------------------------------------
# Once the launcher enforces a default policy (it has --disable_seccomp), every sandbox below runs under it
# and bubblewrap gets the same program through --seccomp.
seccomp_default=0
"$nss" --help 2>&1 | grep -q -- --disable_seccomp && seccomp_default=1
have_policy=0
if [ -f "$policy" ]; then
    dotnet build bench/policytool -c Release -v q >/dev/null
    dotnet run --project bench/policytool -c Release --no-build -- "$policy" "$work/policy" >"$out/policytool.txt"
    "$work/seccompbench" export "$work/policy.rules" "$work/libseccomp.bpf"
    "$work/seccompbench" export "$work/policy.rules" "$work/libseccomp-tree.bpf" tree
    have_policy=1
else
    echo "bench: no policy at $policy (set BENCH_POLICY): the syscall figures are left out" >&2
fi

# --- the launchers, each as close as it gets to NsSandbox's default sandbox ----------------------------------
# NsSandbox: every namespace, a read-only skeleton root of the host's top-level entries, pivot_root, fresh
# /proc and sysfs, minimal /dev, tmpfs /tmp, a fresh per-run /data, nobody, no capabilities, new session.
ours="$nss -q --state_dir $work/state -- /bin/true"
ours_cg="$nss -q --state_dir $work/state --cgroup_pids_max 64 -- /bin/true"
# bubblewrap builds the same root: every top-level entry bound read-only (symlinks kept), its own /dev and
# /proc, the host's /sys read-only (it cannot mount a fresh sysfs), tmpfs /tmp, one /data for all runs.
root_binds=""
for entry in /*; do
    case $entry in /dev | /proc | /sys | /tmp) continue ;; esac
    if [ -L "$entry" ]; then root_binds+=" --symlink $(readlink "$entry") $entry"; else root_binds+=" --ro-bind $entry $entry"; fi
done
# With our default policy in force, bubblewrap loads the same program (launchbench opens it on fd 3).
bwrap_filter=/dev/null bwrap_seccomp=""
if [ $seccomp_default = 1 ] && [ $have_policy = 1 ]; then bwrap_filter=$work/policy.bpf bwrap_seccomp=" --seccomp 3"; fi
bwrap_base="$(command -v bwrap) --unshare-all --die-with-parent --new-session$root_binds --ro-bind /sys /sys --dev /dev --proc /proc --tmpfs /tmp --bind $work/data /data --remount-ro / --uid 65534 --gid 65534 --cap-drop ALL$bwrap_seccomp"
bwrap="$bwrap_base /bin/true${bwrap_seccomp:+ 3<$bwrap_filter}"
# unshare: the same namespaces, nobody and a fresh /proc, but the host's root as it is (no pivot_root).
unshare="$(command -v unshare) --fork --pid --mount --uts --ipc --net --cgroup --user --map-user=65534 --map-group=65534 --mount-proc /bin/true"
# firejail: its own private home, /tmp and /dev, no network, no capabilities, its default seccomp list. As
# root it keeps uid 0 and makes no user namespace.
firejail="$(command -v firejail) --quiet --noprofile --private --private-tmp --private-dev --net=none --caps.drop=all --nonewprivs --seccomp /bin/true"
bare=/bin/true

launchers=("nssandbox=$ours" "nssandbox+cgroup=$ours_cg")
[ -n "${BENCH_BEFORE:-}" ] && launchers+=("nssandbox-before=$BENCH_BEFORE -q --state_dir $work/state -- /bin/true")
launchers+=("bwrap=$bwrap" "unshare=$unshare")
if timeout 30 $firejail >/dev/null 2>&1; then launchers+=("firejail=$firejail")
else echo "bench: firejail does not run here; left out" >&2; fi
launchers+=("bare=$bare")
{
    # Named as run from the repository: no machine's paths in the report.
    for l in "${launchers[@]}"; do printf '%s\t%s\n' "${l%%=*}" "${l#*=}"; done | sed "s#$work#\$WORK#g; s#$repo/##g"
} >"$out/commands.tsv"

# --- launch latency ------------------------------------------------------------------------------------------
cat /proc/loadavg >"$out/loadavg_start"
echo "bench: latency, $runs runs of ${#launchers[@]} launchers interleaved"
"$work/launchbench" latency "$runs" "${launchers[@]}" >"$out/latency.tsv"

# --- throughput -------------------------------------------------------------------------------------------
echo "bench: throughput, ${seconds}s per figure"
: >"$out/throughput.tsv"
for n in 1 2 8; do
    for l in "nssandbox=$ours" "bwrap=$bwrap"; do
        "$work/launchbench" throughput "$seconds" "$n" "$l" >>"$out/throughput.tsv"
    done
done

# --- cost while running: the supervisor's memory, the binary's size -----------------------------------------
# 2 s into a 4 s run of /bin/sleep: the launcher's processes (the launcher and its descendants but the sleep
# itself), their resident and peak resident KiB, and their private memory: Private_Dirty of smaps_rollup, the
# pages that process alone has written (heap, stacks, written data); the binary's and libraries' clean pages
# are left out, as they are shared with every other launch.
launcher_pids() { # PID: PID and its descendants, the sleep left out
    local p=$1 c
    [ "$(cat "/proc/$p/comm" 2>/dev/null)" = sleep ] || echo "$p"
    for c in $(cat /proc/"$p"/task/*/children 2>/dev/null); do launcher_pids "$c"; done
}
memory_of() { # NAME CMD...: NAME, processes, resident KiB, peak resident KiB, private KiB (sums)
    local name=$1; shift
    "$@" >/dev/null 2>&1 &
    local pid=$! n=0 rss=0 hwm=0 priv=0 p
    sleep 2
    for p in $(launcher_pids "$pid"); do
        n=$((n + 1))
        rss=$((rss + $(awk '/^VmRSS/ {print $2}' "/proc/$p/status")))
        hwm=$((hwm + $(awk '/^VmHWM/ {print $2}' "/proc/$p/status")))
        priv=$((priv + $(awk '/^Private_Dirty/ {print $2}' "/proc/$p/smaps_rollup")))
    done
    wait "$pid"
    printf '%s\t%s\t%s\t%s\t%s\n' "$name" "$n" "$rss" "$hwm" "$priv"
}
: >"$out/rss.tsv"
for round in 1 2 3; do
    memory_of nssandbox $nss -q --state_dir "$work/state" -- /bin/sleep 4 >>"$out/rss.tsv"
    memory_of bwrap $bwrap_base /bin/sleep 4 3<"$bwrap_filter" >>"$out/rss.tsv"
done
stat -c '%s' "$nss" >"$out/binary_size"

# --- syscall overhead under the filter -------------------------------------------------------------------
if [ $have_policy = 1 ]; then
    echo "bench: getppid under no filter, our program and libseccomp's"
    : >"$out/syscall.tsv"
    for round in $(seq 11); do
        printf 'none\t%s\n' "$("$work/seccompbench" time none 2000000)" >>"$out/syscall.tsv"
        printf 'nssandbox\t%s\n' "$("$work/seccompbench" time bpf "$work/policy.bpf" 2000000)" >>"$out/syscall.tsv"
        printf 'libseccomp\t%s\n' "$("$work/seccompbench" time libseccomp "$work/policy.rules" 2000000)" >>"$out/syscall.tsv"
        printf 'libseccomp-tree\t%s\n' "$("$work/seccompbench" time libseccomp-tree "$work/policy.rules" 2000000)" >>"$out/syscall.tsv"
    done
    : >"$out/bpf_count.tsv"
    for f in policy libseccomp libseccomp-tree; do
        for call in read=0 getppid=110; do
            printf '%s\t%s\t%s\t%s\n' "$f" "${call%=*}" "$(stat -c %s "$work/$f.bpf")" \
                "$("$work/seccompbench" count "$work/$f.bpf" "${call#*=}")" >>"$out/bpf_count.tsv"
        done
    done
fi

# --- where a launch spends its time ------------------------------------------------------------------------
echo "bench: per-step breakdown"
/usr/bin/python3 bench/breakdown.py "$nss" 50 --json "$out/breakdown.json" -- --state_dir "$work/state" >/dev/null
[ -z "${BENCH_BEFORE:-}" ] ||
    /usr/bin/python3 bench/breakdown.py "$BENCH_BEFORE" 50 --json "$out/breakdown-before.json" -- --state_dir "$work/state" >/dev/null

# --- the report -------------------------------------------------------------------------------------------
/usr/bin/python3 bench/report.py "$out" docs/benchmarks.md docs/benchmarks-latency.png "$seccomp_default"
echo "bench: results in docs/benchmarks.md and docs/benchmarks-latency.png${BENCH_OUT:+ (raw: $out)}"
