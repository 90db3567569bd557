#!/usr/bin/env bash
# Measures what --net egress costs: the launch time of /bin/true with --net none and with --net egress
# (filter + slirp4netns), and TCP throughput through slirp4netns from a server in a private lab namespace.
# Runs as root; creates two network namespaces with unique names and removes them, sends no traffic
# outside them. Usage: bench/network.sh [RUNS] (default 20).
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${NSSANDBOX_BIN:-artifacts/bin/nssandbox}
runs=${1:-20}
lab="nssbench$$"
state=$(mktemp -d)
server_pid=
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true
  ip netns del "$lab-h" 2>/dev/null || true
  ip netns del "$lab-w" 2>/dev/null || true
  rm -rf "$state"
}
trap cleanup EXIT

# host (192.0.2.2) -- veth -- world (192.0.2.1, serving 512 MiB of zeros per connection on port 9000)
ip netns add "$lab-h"; ip netns add "$lab-w"
ip -n "$lab-h" link add veth0 type veth peer name veth1 netns "$lab-w"
ip -n "$lab-h" addr add 192.0.2.2/24 dev veth0; ip -n "$lab-h" link set veth0 up; ip -n "$lab-h" link set lo up
ip -n "$lab-h" route add default via 192.0.2.1
ip -n "$lab-w" addr add 192.0.2.1/24 dev veth1; ip -n "$lab-w" link set veth1 up; ip -n "$lab-w" link set lo up
ip netns exec "$lab-w" python3 -c '
import socket
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("192.0.2.1", 9000)); s.listen()
block = bytes(1 << 20)
while True:
    c, _ = s.accept()
    for _ in range(512): c.sendall(block)
    c.close()' &
server_pid=$!
sleep 0.5

ms() { echo $(( $(date +%s%N) / 1000000 )); }
launch() { # mode -> mean milliseconds per launch of /bin/true
  local start end
  start=$(ms)
  for _ in $(seq "$runs"); do ip netns exec "$lab-h" "$bin" -q --state_dir "$state" --net "$1" -- /bin/true; done
  end=$(ms)
  echo $(( (end - start) / runs ))
}
none=$(launch none); egress=$(launch egress)
echo "launch /bin/true, mean of $runs: --net none ${none} ms, --net egress ${egress} ms (egress setup ~$((egress - none)) ms)"

fetch='s=$(date +%s%N); n=$(cat < /dev/tcp/192.0.2.1/9000 | wc -c); e=$(date +%s%N); echo "$n $(( (e - s) / 1000000 ))"'
report() { # label, "bytes msec"
  local bytes msec
  read -r bytes msec <<<"$2"
  echo "throughput $1: $((bytes >> 20)) MiB in ${msec} ms = $(( (bytes >> 20) * 1000 / (msec > 0 ? msec : 1) )) MiB/s"
}
report "--net egress (slirp4netns)" "$(ip netns exec "$lab-h" "$bin" -q --state_dir "$state" --net egress -- /bin/bash -c "$fetch")"
report "without a sandbox (the veth alone)" "$(ip netns exec "$lab-h" bash -c "$fetch")"
