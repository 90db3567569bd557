#!/usr/bin/env bash
# Mode listen next to its peers (docs/benchmarks.md, "Mode listen"): connections served per second and the
# memory of the serving processes with 100 connections open, for `nssandbox -Ml`, `socat TCP-LISTEN:PORT,fork`
# starting bubblewrap for each connection, and `nsjail -Ml` when an nsjail binary is given.
#
#   sudo bench/listen.sh [NSJAIL_BINARY]
#
# Every server and client runs in a network namespace of the script's own (no port opens on the machine's
# network); it is removed at the end. Needs root; installs socat or bubblewrap from Debian when missing. Not
# part of the test suite. Settings:
#   BENCH_SECONDS=5     how long each connections-per-second figure runs
#   BENCH_ROUNDS=3      rounds of those figures (the servers take turns; the report gives the median)
#   BENCH_CONNS=100     connections held open for the memory figure
#   BENCH_NO_BUILD=1    use artifacts/bin/nssandbox as it is;  BENCH_BINARY=FILE  measure this binary
#   BENCH_OUT=DIR       keep the raw results there
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
seconds=${BENCH_SECONDS:-5}
rounds=${BENCH_ROUNDS:-3}
conns=${BENCH_CONNS:-100}
nsjail=${1:-}
policy=$repo/configs/policies/default.policy

[ "$(id -u)" = 0 ] || { echo "bench/listen.sh: run as root" >&2; exit 1; }
need=()
command -v socat >/dev/null || need+=(socat)
command -v bwrap >/dev/null || need+=(bubblewrap)
if [ ${#need[@]} -gt 0 ]; then
    echo "bench: installing ${need[*]}"
    apt-get install -y -q "${need[@]}" >/dev/null || { apt-get update -q >/dev/null && apt-get install -y -q "${need[@]}" >/dev/null; }
fi

work=$(mktemp -d /tmp/nssandbox-listen-bench.XXXXXX)
netns=nssbench-listen-$$
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
    for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
    ip netns del "$netns" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
out=${BENCH_OUT:-$work/results}
mkdir -p "$out" "$work/state" "$work/data"
ip netns add "$netns"
ip -n "$netns" link set lo up
inside() { nsenter --net="/run/netns/$netns" -- "$@"; }

nss=${BENCH_BINARY:-$repo/artifacts/bin/nssandbox}
[ -n "${BENCH_NO_BUILD:-}" ] || [ -n "${BENCH_BINARY:-}" ] || ./build.sh >/dev/null

# Each connection's command, the same for every server: it says ready, then echoes a line.
cmd='echo ready; read line; echo "$line"'

# bubblewrap builds the root bench/run.sh gives it (our root: the top-level entries bound read-only, its own
# /dev and /proc, tmpfs /tmp, a /data, nobody, no capabilities, a new session, every namespace) and loads the
# program our compiler makes from the default policy, which nssandbox enforces by default.
root_binds=""
for entry in /*; do
    case $entry in /dev | /proc | /sys | /tmp) continue ;; esac
    if [ -L "$entry" ]; then root_binds+=" --symlink $(readlink "$entry") $entry"; else root_binds+=" --ro-bind $entry $entry"; fi
done
bwrap_seccomp="" bwrap_filter=""
if dotnet build bench/policytool -c Release -v q >/dev/null 2>&1 &&
    dotnet run --project bench/policytool -c Release --no-build -- "$policy" "$work/policy" >/dev/null; then
    bwrap_seccomp=" --seccomp 3" bwrap_filter=" 3<$work/policy.bpf"
else
    echo "bench: could not compile $policy for bubblewrap; it runs without a filter" >&2
fi
# socat's EXEC with nofork: the program gets the connection as its stdin and stdout, nothing relays (as ours).
cat >"$work/bwrap-connection.sh" <<EOF
#!/bin/sh
exec $(command -v bwrap) --unshare-all --die-with-parent --new-session$root_binds --ro-bind /sys /sys --dev /dev --proc /proc --tmpfs /tmp --bind $work/data /data --remount-ro / --uid 65534 --gid 65534 --cap-drop ALL$bwrap_seccomp /bin/sh -c '$cmd'$bwrap_filter
EOF
chmod +x "$work/bwrap-connection.sh"

port=9100
servers=()
start() { # NAME PORT COMMAND...: a server in the namespace, waited for until it accepts
    local name=$1 p=$2; shift 2
    # nsenter execs the server (no shell or nsenter process stays between): $! is the server itself.
    nsenter --net="/run/netns/$netns" -- "$@" >"$work/$name.log" 2>&1 &
    local pid=$!
    pids+=("$pid")
    for _ in $(seq 1 100); do
        inside python3 -c "import socket, sys; socket.create_connection(('127.0.0.1', $p), timeout=1).close()" 2>/dev/null && break
        sleep 0.1
    done
    servers+=("$name $p $pid")
    printf '%s\t%s\n' "$name" "$*" | sed "s#$work#\$WORK#g; s#$repo/##g" >>"$out/servers.tsv"
}
: >"$out/servers.tsv"
start nssandbox $((port)) "$nss" -Ml --port $((port)) --bindhost 127.0.0.1 -q -t 60 --state_dir "$work/state" -- /bin/sh -c "$cmd"
start socat+bwrap $((port + 1)) "$(command -v socat)" "TCP-LISTEN:$((port + 1)),bind=127.0.0.1,fork,reuseaddr,backlog=4096" \
    "EXEC:$work/bwrap-connection.sh,nofork"
[ -z "$nsjail" ] || start nsjail $((port + 2)) "$nsjail" -Ml --port $((port + 2)) --bindhost 127.0.0.1 -Q -t 60 --chroot / \
    --user 65534 --group 65534 -- /bin/sh -c "$cmd"

echo "bench: connections per second, $rounds rounds of ${seconds}s per server and concurrency"
: >"$out/rate.tsv"
for _ in $(seq "$rounds"); do
    for c in 1 8; do
        for s in "${servers[@]}"; do
            read -r name p _ <<<"$s"
            printf '%s\t%s\t%s\n' "$name" "$c" "$(inside python3 bench/listenbench.py rate 127.0.0.1 "$p" "$seconds" "$c" | tr ' ' '\t')" >>"$out/rate.tsv"
        done
    done
done

echo "bench: memory with $conns connections open"
: >"$out/memory.tsv"
for s in "${servers[@]}"; do
    read -r name p pid <<<"$s"
    printf '%s\t%s\n' "$name" "$(inside python3 bench/listenbench.py hold 127.0.0.1 "$p" "$conns" "$pid" sh | tr ' ' '\t')" >>"$out/memory.tsv"
    sleep 2 # the held sandboxes end
done
printf 'socat\t%s\nbwrap\t%s\nnsjail\t%s\n' "$(socat -V | sed -n 's/^socat version \([^ ]*\).*/\1/p')" \
    "$(bwrap --version | awk '{print $2}')" "${nsjail:+given}" >"$out/versions.tsv"

python3 bench/listenbench.py report "$out" docs/benchmarks.md
echo "bench: results in docs/benchmarks.md (Mode listen)${BENCH_OUT:+ (raw: $out)}"
