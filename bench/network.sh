#!/usr/bin/env bash
# Measures what --net egress costs: the launch time of /bin/true with --net none, with --net egress (filter,
# resolver, slirp4netns) and with --net_only and an allowlist; the time of a name lookup through the sandbox's
# resolver (which fills the filter's sets) against one made directly in the lab; and TCP throughput through
# slirp4netns from a server in a private lab namespace. Runs as root; creates two network namespaces with unique
# names (and /etc/netns/NAME for the lab's resolv.conf) and removes them, sends no traffic outside them.
# Usage: bench/network.sh [RUNS] (default 20).
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${NSSANDBOX_BIN:-artifacts/bin/nssandbox}
runs=${1:-20}
lab="nssbench$$"
state=$(mktemp -d)
server_pid=
dns_pid=
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true
  [ -n "$dns_pid" ] && kill "$dns_pid" 2>/dev/null || true
  rm -rf "/etc/netns/$lab-h"
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
# The lab's resolver, on the host namespace's loopback as systemd-resolved's is: every A query gets 192.0.2.1.
mkdir -p "/etc/netns/$lab-h"; echo "nameserver 127.0.0.53" > "/etc/netns/$lab-h/resolv.conf"
ip netns exec "$lab-h" python3 -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.53", 53))
while True:
    q, a = s.recvfrom(512)
    end = 12
    while q[end]: end += q[end] + 1
    end += 5
    is_a = q[end - 4:end - 2] == b"\0\1"
    r = bytearray(q[:end]); r[2:4] = b"\x81\x80"; r[6:12] = bytes([0, 1 if is_a else 0, 0, 0, 0, 0])
    if is_a: r += b"\xc0\x0c\0\1\0\1\0\0\0\x3c\0\4" + socket.inet_aton("192.0.2.1")
    s.sendto(bytes(r), a)' &
dns_pid=$!
sleep 0.5

ms() { echo $(( $(date +%s%N) / 1000000 )); }
launch() { # flags... -> mean milliseconds per launch of /bin/true
  local start end
  start=$(ms)
  for _ in $(seq "$runs"); do ip netns exec "$lab-h" "$bin" -q --state_dir "$state" "$@" -- /bin/true; done
  end=$(ms)
  echo $(( (end - start) / runs ))
}
none=$(launch --net none); egress=$(launch --net egress)
only=$(launch --net egress --net_only --net_allow_host pypi.org --net_allow_host '*.pythonhosted.org')
echo "launch /bin/true, mean of $runs: --net none ${none} ms, --net egress ${egress} ms (egress setup ~$((egress - none)) ms)," \
  "--net_only with two names ${only} ms"

# The resolver's own share of a launch, from --trace_timing: opening its sockets in the sandbox's namespace and
# starting it ("network: resolver"), and stopping it and reading the refusals after the run ("network log").
steps=$(for _ in $(seq "$runs"); do
  ip netns exec "$lab-h" "$bin" -q --trace_timing --state_dir "$state" --net egress --net_only --net_allow_host pypi.org -- /bin/true 2>&1
done | awk '/supervisor: network: resolver$/ { r[n1++] = $4 } /supervisor: network log$/ { l[n2++] = $4 }
  function median(a, n,   i, j, t) { for (i = 0; i < n; i++) for (j = i + 1; j < n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
    return a[int(n / 2)] }
  END { printf "%.2f ms to start, %.2f ms to stop and read the refusals", median(r, n1), median(l, n2) }')
echo "the resolver's share of a launch, median of $runs: $steps"

# 2000 A queries for different allowed names, one at a time over UDP to the resolver resolv.conf names (perl, so
# no process starts per query): in one sandbox, each answer's address going into the filter's set, and the same
# queries sent directly to the lab's resolver without a sandbox. The difference is the sandbox resolver's cost.
queries='perl -MIO::Socket::INET -MTime::HiRes=time -e '"'"'
  my $s = IO::Socket::INET->new(Proto => "udp", PeerAddr => "127.0.0.53:53") or die $!;
  my $t = time; my $n = 2000;
  for my $i (1..$n) {
    my $q = pack("n6", $i, 0x100, 1, 0, 0, 0) . join("", map { chr(length) . $_ } ("n$i", "pythonhosted", "org")) . "\0" . pack("n2", 1, 1);
    $s->send($q); my $a; $s->recv($a, 512) or die "no answer";
  }
  printf "%.0f\n", (time - $t) / $n * 1e6;'"'"
through=$(ip netns exec "$lab-h" "$bin" -q --state_dir "$state" --net egress --net_only --net_allow_host '*.pythonhosted.org' -- /bin/sh -c "$queries")
direct=$(ip netns exec "$lab-h" sh -c "$queries")
echo "DNS query, mean of 2000: through the sandbox's resolver ${through} us, directly to the lab's resolver ${direct} us" \
  "(the sandbox's resolver adds ~$((through - direct)) us)"

fetch='s=$(date +%s%N); n=$(cat < /dev/tcp/192.0.2.1/9000 | wc -c); e=$(date +%s%N); echo "$n $(( (e - s) / 1000000 ))"'
report() { # label, "bytes msec"
  local bytes msec
  read -r bytes msec <<<"$2"
  echo "throughput $1: $((bytes >> 20)) MiB in ${msec} ms = $(( (bytes >> 20) * 1000 / (msec > 0 ? msec : 1) )) MiB/s"
}
report "--net egress (slirp4netns)" "$(ip netns exec "$lab-h" "$bin" -q --state_dir "$state" --net egress -- /bin/bash -c "$fetch")"
report "without a sandbox (the veth alone)" "$(ip netns exec "$lab-h" bash -c "$fetch")"
